"""Returned mail fetched from a mailbox (IMAP or POP3) instead of received over SMTP.

`DIGEST_BOUNCE_MAILBOX` names it as a URL: `imaps://user:password@host[:port][/folder]`,
`imap://...`, `pop3s://user:password@host[:port]` or `pop3://...`. Each message is handed
to the same handler the SMTP server uses and deleted from the mailbox once it was
handled (committed); a message whose handling fails stays for the next poll.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import poplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from digest.deliver.inbound.act import InboundMail
from digest.errors import ConfigurationError, DigestError

RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
DEFAULT_PORTS = {"imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995}
Handle = Callable[[InboundMail], bool]  # True once the mail was handled and may be deleted


class MailboxFailed(DigestError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"bounce mailbox: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Mailbox:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"


def parse_mailbox_url(url: str) -> Mailbox:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or not parts.username:
        raise ConfigurationError(
            "DIGEST_BOUNCE_MAILBOX must look like imaps://user:password@host/INBOX "
            "(or imap://, pop3s://, pop3://)"
        )
    return Mailbox(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.strip("/")) or "INBOX",
    )


def mail_from_mailbox(raw: bytes) -> InboundMail:
    """The envelope as the mailbox kept it: Return-Path and the delivery headers."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    recipients = [str(v) for h in RECIPIENT_HEADERS for v in (message.get_all(h) or [])]
    from digest.deliver.inbound.classify import addresses

    return_path = message.get("Return-Path")
    envelope_from = None if return_path is None else str(return_path).strip().strip("<>")
    return InboundMail(raw, tuple(addresses(recipients)), envelope_from, channel="mailbox")


def poll_mailbox(url: str, handle: Handle, timeout: float = 30.0) -> tuple[int, int]:
    """Fetch every message, hand each over, delete the handled; (fetched, handled)."""
    box = parse_mailbox_url(url)
    try:
        if box.scheme.startswith("imap"):
            return _poll_imap(box, handle, timeout)
        return _poll_pop3(box, handle, timeout)
    except (OSError, imaplib.IMAP4.error, poplib.error_proto) as exc:
        raise MailboxFailed(f"{box.scheme}://{box.host}:{box.port}: {exc}") from exc


def _poll_imap(box: Mailbox, handle: Handle, timeout: float) -> tuple[int, int]:
    if box.scheme == "imaps":
        client = imaplib.IMAP4_SSL(
            box.host, box.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:
        client = imaplib.IMAP4(box.host, box.port, timeout=timeout)
    fetched = handled = 0
    try:
        client.login(box.user, box.password)
        client.select(box.folder)
        _, found = client.search(None, "ALL")
        for number in (found[0] or b"").split():
            _, data = client.fetch(number, "(RFC822)")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is None:
                continue
            fetched += 1
            if handle(mail_from_mailbox(raw)):
                client.store(number, "+FLAGS", "\\Deleted")
                handled += 1
        client.expunge()
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return fetched, handled


def _poll_pop3(box: Mailbox, handle: Handle, timeout: float) -> tuple[int, int]:
    if box.scheme == "pop3s":
        client = poplib.POP3_SSL(
            box.host, box.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = poplib.POP3(box.host, box.port, timeout=timeout)
    fetched = handled = 0
    try:
        client.user(box.user)
        client.pass_(box.password)
        count, _ = client.stat()
        for number in range(1, count + 1):
            _, lines, _ = client.retr(number)
            fetched += 1
            if handle(mail_from_mailbox(b"\r\n".join(lines) + b"\r\n")):
                client.dele(number)
                handled += 1
    finally:
        try:
            client.quit()  # POP3 deletes only at QUIT
        except (OSError, poplib.error_proto):
            client.close()
    return fetched, handled
