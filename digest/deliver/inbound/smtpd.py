"""The SMTP server for returned mail: it accepts mail for our bounce and unsubscribe
addresses only (any other recipient gets 550) and hands each message to one handler.

aiosmtpd runs the conversation on its own event loop; the handler (database work)
runs on one worker thread, so messages are handled one at a time, in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller

from digest.deliver.inbound.act import InboundMail, Outcome

log = logging.getLogger(__name__)
MAX_BYTES = 10 * 1024 * 1024  # a bounce quotes our message; a digest is under 102 KB


class InboundHandler:
    """aiosmtpd handler: `accepts(address)` decides RCPT, `deliver(mail)` handles DATA."""

    def __init__(
        self, accepts: Callable[[str], bool], deliver: Callable[[InboundMail], Outcome]
    ) -> None:
        self.accepts = accepts
        self.deliver = deliver
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-inbound")

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
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(self.pool, self.deliver, mail)
        except Exception:  # a server boundary: the sender keeps the mail and tries again
            log.exception("inbound mail from %s could not be handled", mail.envelope_from)
            return "451 4.3.0 Could not be handled now, try again later"
        log.info("inbound %s: %s (%s)", outcome.kind, outcome.action, outcome.delivery_id)
        return "250 2.0.0 OK"

    def close(self) -> None:
        self.pool.shutdown(wait=True)


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
