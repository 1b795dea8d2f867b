"""The SMTP server for returned mail and mail sources: it accepts mail for our bounce and
unsubscribe addresses and mail sources' signed addresses only (any other recipient gets 550)
and hands each message to one handler.

aiosmtpd runs the conversations on its own event loop; the handler (parsing and database
work) runs on worker threads, and the 250 goes out only once the mail was handled and
committed, so a crash loses nothing (the sender still holds the mail). A large message
goes to a worker of its own: parsing it never holds up the bounce that arrives next.
A mail that cannot be handled for good (a bug meets a strange mail) is refused with 550
and logged; only a database that is not there now gets 451, "try again later".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from sqlalchemy.exc import SQLAlchemyError

from digest.deliver.inbound.act import InboundMail, Outcome
from digest.ingest.inaddress import looks_like_source_address

log = logging.getLogger(__name__)
MAX_BYTES = 10 * 1024 * 1024  # a bounce quotes our message; a digest is under 102 KB
LARGE_BYTES = 512 * 1024  # past this, a message waits for the large-message worker
MAIL_WORKERS = 2  # for everything smaller, and for RCPT lookups
SOURCE_MAX_BYTES = 2 * 1024 * 1024  # a newsletter for a mail source; a bigger one is refused


class InboundHandler:
    """aiosmtpd handler: `accepts(address)` decides RCPT, `deliver(mail)` handles DATA."""

    def __init__(
        self,
        accepts: Callable[[str], bool],
        deliver: Callable[[InboundMail], Outcome],
        read_later: Callable[[tuple[int, ...]], object] | None = None,
    ) -> None:
        """`read_later` reads newsletters kept for mail sources, on a thread of its own once
        the sender has our 250: following their links never holds up an SMTP reply."""
        self.accepts = accepts
        self.deliver = deliver
        self.read_later = read_later
        self.pool = ThreadPoolExecutor(MAIL_WORKERS, thread_name_prefix="digest-inbound")
        self.large_pool = ThreadPoolExecutor(1, thread_name_prefix="digest-inbound-large")
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="digest-inbound-reader")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(self.pool, self.accepts, address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = InboundMail(
            raw=envelope.original_content or b"",
            recipients=tuple(envelope.rcpt_tos),
            envelope_from=envelope.mail_from or "",
            channel="smtp",
        )
        is_for_source = any(map(looks_like_source_address, mail.recipients))
        if is_for_source and len(mail.raw) > SOURCE_MAX_BYTES:
            return f"552 5.3.4 A newsletter may be at most {SOURCE_MAX_BYTES // 1024} KB"
        pool = self.large_pool if len(mail.raw) > LARGE_BYTES else self.pool
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(pool, self.deliver, mail)
        except SQLAlchemyError:  # the database, not the mail: the sender tries again later
            log.exception("inbound mail from %s could not be stored", mail.envelope_from)
            return "451 4.3.0 Could not be handled now, try again later"
        except Exception:  # a server boundary: retrying the same mail would fail the same way
            log.exception("inbound mail from %s could not be handled", mail.envelope_from)
            return "550 5.6.0 This message could not be read"
        if self.read_later is not None and outcome.source_mail_ids:
            self.reader.submit(self._read, outcome.source_mail_ids)
        return "250 2.0.0 OK"

    def _read(self, mail_ids: tuple[int, ...]) -> None:
        try:
            self.read_later(mail_ids)  # type: ignore[misc]
        except Exception:  # kept mails stay pending: the next `digest poll` reads them
            log.exception("newsletters %s could not be read now", mail_ids)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.large_pool.shutdown(wait=True)
        self.reader.shutdown(wait=True)


def start_server(handler: InboundHandler, host: str, port: int) -> Controller:
    """Listen on host:port in a background thread; call `.stop()` on the result to end it."""
    controller = Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=MAX_BYTES,
        decode_data=False,
        server_hostname=host,
        ready_timeout=10.0,
    )
    controller.start()
    return controller


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:2525`) -> (host, port); ValueError when malformed."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen wants HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
