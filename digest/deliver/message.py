"""MIME bytes for one recipient: encoded once per compiled edition, filled per recipient.

Quoted-printable encoding a 100 KB digest with the email package takes tens of
milliseconds, far longer than sending it. So each compiled edition is turned
into a MessageTemplate once: the static headers and the literal stretches of
both bodies are encoded up front, and a recipient costs only their headers,
the encoding of their few personal values and a join. Each encoded stretch
starts at the beginning of a line and ends with a soft line break, so the
pieces join into valid quoted-printable (lines of at most 76 characters) that
decodes to exactly what digest.render.personalise() produces.
"""

from __future__ import annotations

import binascii
import email.policy
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from digest.deliver.reader_links import ReaderLinks
from digest.deliver.transport import dot_stuff
from digest.errors import DigestError
from digest.render import (
    CompiledEdition,
    Recipient,
    clean_header_text,
    escape_values,
    recipient_values,
)

SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
]
SOFT_BREAK = b"=\r\n"
QP_LINE = 76
NAME_LIMIT = 100  # characters of a display name in To:, as the audience step stores them


class DkimKeyUnreadable(DigestError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"DKIM key {path} cannot be read ({reason}); refusing to send unsigned mail"
        )
        self.path = path


@dataclass(frozen=True)
class Sender:
    """What every message of one edition shares."""

    from_name: str
    from_email: str
    list_id: str
    unsubscribe_mailto: str
    reply_to: str | None = None


@dataclass(frozen=True)
class Addressee:
    """What differs per message besides the personalised bodies."""

    recipient: Recipient
    message_id: str
    date: datetime
    unsubscribe_mailto: str | None = None  # the row's own mailto: address; else the edition's
    delivery_id: int = 0  # signs per-reader links, when the template has them


class MessageTemplate:
    """One compiled edition as pre-encoded MIME; `render` fills in one recipient."""

    def __init__(
        self, compiled: CompiledEdition, sender: Sender, reader_links: ReaderLinks | None = None
    ) -> None:
        self.compiled = compiled
        self.boundary = f"=_digest_{secrets.token_hex(12)}".encode()
        self.head = _edition_headers(sender, compiled.subject, self.boundary)
        self.mailto = clean_header_text(sender.unsubscribe_mailto)
        text, html = compiled.text_template, compiled.html_template
        if reader_links is not None:  # per-reader statistics: links signed per message
            text, html = reader_links.split(text), reader_links.split(html)
        self.reader_links = reader_links
        self.reader_fields = sorted(
            {f for f in (*text.fields, *html.fields) if ReaderLinks.is_reader_field(f)}
        )
        self.text_part = QpTemplate(text)
        self.html_part = QpTemplate(html)

    def render(self, addressee: Addressee, *, dot_stuffed: bool = False) -> bytes:
        """The whole message for one recipient, CRLF line ends.

        With `dot_stuffed` it is ready for DATA as is: every piece starts a line, so the
        static pieces were stuffed once here and only the personal values are stuffed now.
        """
        values = recipient_values(addressee.recipient, self.compiled.default_view_url)
        reader: dict[str, bytes] = {}  # encoded once for both parts
        if self.reader_links and self.reader_fields:
            tokens = self.reader_links.values(self.reader_fields, addressee.delivery_id)
            reader = {field: encode_token(token, dot_stuffed) for field, token in tokens.items()}
        delimiter = b"--" + self.boundary
        return b"".join(
            [
                self._recipient_headers(addressee),
                self.head,
                delimiter,
                b"\r\n",
                _part_headers("plain"),
                self.text_part.fill(values, dot_stuffed, reader),
                b"\r\n",
                delimiter,
                b"\r\n",
                _part_headers("html"),
                self.html_part.fill(escape_values(values), dot_stuffed, reader),
                b"\r\n",
                delimiter,
                b"--\r\n",
            ]
        )

    def _recipient_headers(self, addressee: Addressee) -> bytes:
        recipient = addressee.recipient
        unsubscribe = clean_header_text(recipient.unsubscribe_url)
        mailto = clean_header_text(addressee.unsubscribe_mailto or self.mailto)
        lines = [
            b"To: " + format_address(recipient.name, recipient.email),
            b"Date: " + format_datetime(addressee.date).encode(),
            b"Message-ID: " + clean_header_text(addressee.message_id).encode(),
            f"List-Unsubscribe: <{unsubscribe}>,\r\n <{mailto}>".encode(),
        ]
        return b"\r\n".join(lines) + b"\r\n"


class QpTemplate:
    """A FieldTemplate whose literal stretches are quoted-printable encoded once."""

    def __init__(self, template) -> None:
        self.fields = template.fields
        self.literals = [encode_qp_stretch(literal) for literal in template.literals]
        self.stuffed_literals = [dot_stuff(literal) for literal in self.literals]

    def fill(
        self,
        values: dict[str, str],
        dot_stuffed: bool = False,
        encoded_values: dict[str, bytes] | None = None,
    ) -> bytes:
        """The part for these values (and values already encoded as this call would)."""
        encoded = {field: encode_qp_stretch(value) for field, value in values.items()}
        if dot_stuffed:
            encoded = {field: dot_stuff(value) for field, value in encoded.items()}
        if encoded_values:
            encoded.update(encoded_values)
        out = [b""] * (2 * len(self.literals) - 1)
        out[0::2] = self.stuffed_literals if dot_stuffed else self.literals
        out[1::2] = [encoded[field] for field in self.fields]
        return b"".join(out)


def encode_qp_stretch(text: str) -> bytes:
    """UTF-8 quoted-printable for text starting a line; ends in a line break so pieces can join."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    if not raw:
        return b""
    encoded = binascii.b2a_qp(raw, istext=True).replace(b"\n", b"\r\n")
    if encoded.endswith(b"\r\n"):
        return encoded
    start = encoded.rfind(b"\n") + 1
    if len(encoded) - start < QP_LINE:
        return encoded + SOFT_BREAK
    cut = _safe_cut(encoded, start + QP_LINE - 1)
    return encoded[:cut] + SOFT_BREAK + encoded[cut:] + SOFT_BREAK


def encode_token(token: str, dot_stuffed: bool = False) -> bytes:
    """encode_qp_stretch (and dot_stuff) of a link token, cheaply: its letters, digits and
    `-_.` never need escaping, and one that fits a line only needs the soft break."""
    if len(token) < QP_LINE and token.isascii() and not token.startswith("."):
        return token.encode() + SOFT_BREAK
    encoded = encode_qp_stretch(token)
    return dot_stuff(encoded) if dot_stuffed else encoded


def _safe_cut(encoded: bytes, at: int) -> int:
    """A position at or before `at` that does not split an =XX escape."""
    while encoded[at - 1 : at] == b"=" or encoded[at - 2 : at - 1] == b"=":
        at -= 1
    return at


def format_address(name: str | None, address: str) -> bytes:
    """An address header value; names are quoted or RFC 2047 encoded, never able to add a line."""
    address = clean_header_text(address)
    name = clean_header_text(name or "")[:NAME_LIMIT]  # however long a stored name, one line
    if not name:
        return address.encode()
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'.encode()
    encoded = Header(name, "utf-8").encode(linesep="\r\n")
    return f"{encoded} <{address}>".encode()


def _edition_headers(sender: Sender, subject: str, boundary: bytes) -> bytes:
    """Headers shared by every message of an edition, folded and encoded by the email package."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = Address(clean_header_text(sender.from_name), addr_spec=sender.from_email)
    if sender.reply_to:
        message["Reply-To"] = sender.reply_to
    message["Subject"] = clean_header_text(subject)
    message["List-Id"] = clean_header_text(sender.list_id)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["MIME-Version"] = "1.0"
    head = message.as_bytes(policy=email.policy.SMTP).rstrip(b"\r\n") + b"\r\n"
    content_type = b'Content-Type: multipart/alternative;\r\n boundary="' + boundary + b'"\r\n'
    return head + content_type + b"\r\n"


def _part_headers(subtype: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode()


class DkimSigner:
    """Signs messages with a key read and tried once; an unreadable key stops sending."""

    def __init__(self, key_path: str, selector: str, domain: str) -> None:
        import dkim  # dkimpy pulls in DNS libraries: loaded only when DKIM is configured

        self._dkim = dkim
        try:
            self.key = Path(key_path).read_bytes()
        except OSError as exc:
            raise DkimKeyUnreadable(key_path, exc.strerror or str(exc)) from exc
        self.selector = selector.encode()
        self.domain = domain.encode()
        try:
            self.sign(b"From: a@b.example\r\nSubject: key check\r\n\r\nkey check\r\n")
        except (self._dkim.DKIMException, ValueError, IndexError) as exc:
            raise DkimKeyUnreadable(key_path, f"not a usable private key: {exc}") from exc

    def sign(self, message: bytes) -> bytes:
        signature = self._dkim.sign(
            message, self.selector, self.domain, self.key, include_headers=SIGNED_HEADERS
        )
        return signature + message
