"""What a returned mail is: a bounce (hard or soft), a delay, a complaint, an auto-reply, or
none of those (which, sent to an unsubscribe address, is a request to unsubscribe)."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from digest.deliver.inbound import reports, rules
from digest.deliver.returnpath import SignedAddress, find_signed
from digest.settings import SigningKeys

HARD, SOFT, DELAYED = "hard_bounce", "soft_bounce", "delayed"
COMPLAINT, AUTO_REPLY, OTHER = "complaint", "auto_reply", "unknown"
_MESSAGE_ID = re.compile(r"<[^<>\s]{3,250}@[^<>\s]{1,250}>")
MAX_TEXT = 200_000
# flufl.bounce reads every line of every part: past this, it reads the head of the mail only
# (the server's reason comes first; a copy of our message or an attachment follows).
FLUFL_BYTES = 256 * 1024


@dataclass(frozen=True)
class Verdict:
    kind: str  # one of HARD, SOFT, DELAYED, COMPLAINT, AUTO_REPLY, OTHER
    status: str | None = None  # RFC 3463, e.g. 5.1.1
    detail: str | None = None  # the server's words, or the feedback type
    signed: tuple[SignedAddress, ...] = ()  # valid signed addresses found inside
    message_ids: tuple[str, ...] = ()  # Message-IDs of the original message it refers to
    sender: str | None = None  # the From address
    subject: str = ""
    sent_at: datetime | None = None  # its Date header
    is_automatic: bool = False  # sent by a machine: a bounce, an auto-reply, a bulk mail


def parse(raw: bytes) -> Message:
    """The message as the email package's compat32 model (what flufl.bounce reads)."""
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def classify(raw: bytes, secret: SigningKeys, envelope_from: str | None = None) -> Verdict:
    """Read one returned mail; `envelope_from` is its MAIL FROM ('' for a bounce's null sender).

    A mail the email package cannot take apart (thousands of nested parts, say) is an
    unreadable OTHER: the sender gets an answer for good, never "try again"."""
    try:
        return _read(raw, secret, envelope_from)
    except Exception as exc:  # any mail at all reaches here, however it was made
        reason = f"unreadable: {type(exc).__name__}: {exc}"[:2000]
        return Verdict(OTHER, None, reason, is_automatic=True)


def _read(raw: bytes, secret: SigningKeys, envelope_from: str | None) -> Verdict:
    message = parse(raw)
    found = _identity(message, raw, secret)
    kind, status, detail = _kind(message, raw, envelope_from)
    automatic = kind != OTHER or rules.is_automatic(message, envelope_from)
    return Verdict(kind, status, detail and detail[:2000], **found, is_automatic=automatic)


def _kind(
    message: Message, raw: bytes, envelope_from: str | None
) -> tuple[str, str | None, str | None]:
    report = reports.report_type(message)
    if report == "feedback-report":
        fb = reports.feedback(message)
        if fb is None or reports.is_complaint(fb):
            return COMPLAINT, None, f"feedback-type {fb.feedback_type if fb else 'abuse'}"
        return OTHER, None, f"feedback-type {fb.feedback_type}"
    if _is_jmrp(message):
        return COMPLAINT, None, "junk mail report"
    if report == "delivery-status":
        verdict = _from_dsn(message)
        if verdict:
            return verdict
        if reports.delivery_statuses(message):  # delivered, relayed or expanded: no failure
            return OTHER, None, "a delivery notification without a failure"
    if rules.has_bounce_marks(message):
        return _from_text(message, raw)
    if rules.is_auto_reply(message):
        return AUTO_REPLY, None, str(message.get("Subject") or "")[:200]
    if rules.is_null_sender(envelope_from):
        return _from_text(message, raw)
    return OTHER, None, None


def _from_dsn(message: Message) -> tuple[str, str | None, str | None] | None:
    """The most serious recipient block: failed over delayed; None if all were delivered."""
    statuses = reports.delivery_statuses(message)
    for action, fallback in (("failed", HARD), ("delayed", DELAYED)):
        for block in statuses:
            if block.action != action:
                continue
            if action == "delayed":
                return DELAYED, block.status, block.diagnostic
            text = block.diagnostic or ""
            status = block.status or rules.status_in(text)
            hard = rules.severity(status, text, is_permanent=True) == "hard"
            return (HARD if hard else SOFT), status, block.diagnostic or fallback
    return None


def _from_text(message: Message, raw: bytes) -> tuple[str, str | None, str | None]:
    """A bounce without a standard report: flufl.bounce's detectors, then our own rules.

    A mail in which neither finds a failure (no failed address, no status code, no
    wording we know) changes nothing: it is recorded as unknown for a person to read."""
    head = message if len(raw) <= FLUFL_BYTES else parse(raw[:FLUFL_BYTES])
    temporary, permanent = _flufl_failures(head)
    text = _body_text(message)
    line = _reason_line(text)
    status = rules.status_in(line or text)
    if not (temporary or permanent or line):
        return OTHER, None, "looks like a bounce but names no failure we can read"
    if (status or "").startswith("4") and rules.WILL_RETRY.search(text):
        return DELAYED, status, line
    is_permanent = True if permanent else (False if temporary else None)
    if status:
        is_permanent = status.startswith("5")
    hard = rules.severity(status, line or text, is_permanent) == "hard"
    return (HARD if hard else SOFT), status, line


def _flufl_failures(message: Message) -> tuple[set, set]:
    """flufl.bounce's (temporary, permanent) failed addresses; none when a detector of its
    trips over the mail (no From, an 8-bit header): our own rules still read the text."""
    from flufl.bounce import all_failures  # loaded only when a non-standard bounce arrives

    try:
        return all_failures(message)
    except Exception:  # its detectors assume well-formed headers
        return set(), set()


def _reason_line(text: str) -> str | None:
    """The line of a bounce that gives the reason: a status code or the usual wording,
    looked for above the copy of our message the bounce may quote."""
    lines = []
    for line in text.splitlines():
        if rules.COPY_MARKER.match(line):
            break
        lines.append(line)
    text = "\n".join(lines)
    for line in text.splitlines():
        if rules.ENHANCED.search(line) or rules.UNKNOWN_ADDRESS.search(line):
            return " ".join(line.split())[:500]
    for line in text.splitlines():
        if rules.BASIC.search(" " + line) or rules.MAILBOX_FULL.search(line):
            return " ".join(line.split())[:500]
    return None


def _is_jmrp(message: Message) -> bool:
    """A Microsoft-style junk report: a copy of our message, sent by a feedback loop."""
    has_copy = any(p.get_content_type() == "message/rfc822" for p in message.walk())
    marked = message.get("X-HmXmrOriginalRecipient") or message.get("X-MS-Exchange-Junk-Report")
    return bool(has_copy and marked)


def _body_text(message: Message) -> str:
    """The human-readable text of the report (its first text parts), capped."""
    chunks = []
    for part in message.walk():
        if part.get_content_maintype() == "text" and part.get_content_subtype() in (
            "plain",
            "html",
        ):
            payload = part.get_payload(decode=True) or b""
            chunks.append(_decoded(payload, part.get_content_charset()))
        if sum(len(c) for c in chunks) > MAX_TEXT:
            break
    return "\n".join(chunks)[:MAX_TEXT]


def _decoded(payload: bytes, charset: str | None) -> str:
    """The text in its declared charset, or as UTF-8 when the charset is one nobody knows."""
    try:
        return payload.decode(charset or "utf-8", "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _identity(message: Message, raw: bytes, secret: SigningKeys) -> dict:
    """Who the mail is about: signed addresses anywhere in it, the original's Message-IDs."""
    text = raw[: MAX_TEXT * 5].decode("utf-8", "replace")
    ids: dict[str, None] = {}
    for original in reports.original_headers(message):
        ids.update(dict.fromkeys(_MESSAGE_ID.findall(str(original.get("Message-ID") or ""))))
    for header in ("In-Reply-To", "References"):
        ids.update(dict.fromkeys(_MESSAGE_ID.findall(str(message.get(header) or ""))))
    if not ids:  # an inline copy of our headers, as qmail and some webmail send
        body = text.replace("\r\n", "\n").partition("\n\n")[2]
        ids.update(dict.fromkeys(_quoted_ids(body)))
    sender = parseaddr(str(message.get("From") or ""))[1].lower() or None
    return {
        "signed": tuple(find_signed(text, secret)),
        "message_ids": tuple(ids),
        "sender": sender,
        "subject": " ".join(str(message.get("Subject") or "").split())[:300],
        "sent_at": _date(message),
    }


def _quoted_ids(text: str) -> list[str]:
    pattern = r"(?im)^\s*>?\s*Message-ID:\s*(<[^<>\s]+>)"
    return [found.group(1) for found in re.finditer(pattern, text)]


def _date(message: Message) -> datetime | None:
    try:
        value = parsedate_to_datetime(str(message.get("Date") or ""))
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def addresses(values: list[str]) -> list[str]:
    return [address.lower() for _, address in getaddresses(values) if address]
