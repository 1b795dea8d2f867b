"""Building the MIME message for one recipient: headers, both parts, optional DKIM signature."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import dkim

from digest.errors import DigestError
from digest.render import clean_header_text

SIGNED_HEADERS = [
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"List-Id",
    b"List-Unsubscribe", b"List-Unsubscribe-Post", b"MIME-Version", b"Content-Type",
]


class DkimKeyUnreadable(DigestError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"DKIM key {path} cannot be read ({reason}); refusing to send unsigned mail")
        self.path = path


@dataclass(frozen=True)
class Envelope:
    """Everything about one message except its rendered body."""

    from_name: str
    from_email: str
    to_email: str
    to_name: str | None
    subject: str
    message_id: str
    list_id: str
    unsubscribe_url: str
    unsubscribe_mailto: str
    date: datetime


def build_message(envelope: Envelope, text: str, html: str) -> EmailMessage:
    """A multipart/alternative message: text/plain first, text/html last."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = Address(clean_header_text(envelope.from_name), addr_spec=envelope.from_email)
    message["To"] = Address(clean_header_text(envelope.to_name or ""), addr_spec=envelope.to_email)
    message["Subject"] = clean_header_text(envelope.subject)
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    message["List-Id"] = envelope.list_id
    message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>, <{envelope.unsubscribe_mailto}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message


class DkimSigner:
    """Signs messages with a key read once; an unreadable key stops sending."""

    def __init__(self, key_path: str, selector: str, domain: str) -> None:
        try:
            self.key = Path(key_path).read_bytes()
        except OSError as exc:
            raise DkimKeyUnreadable(key_path, exc.strerror or str(exc)) from exc
        if b"PRIVATE KEY" not in self.key:
            raise DkimKeyUnreadable(key_path, "not a PEM private key")
        self.selector = selector.encode()
        self.domain = domain.encode()

    def sign(self, message: bytes) -> bytes:
        signature = dkim.sign(
            message, self.selector, self.domain, self.key, include_headers=SIGNED_HEADERS
        )
        return signature + message


def message_bytes(message: EmailMessage, signer: DkimSigner | None = None) -> bytes:
    """CRLF line ends as SMTP wants them, signed when a DKIM key is configured."""
    raw = message.as_bytes(policy=email.policy.SMTP)
    return signer.sign(raw) if signer else raw
