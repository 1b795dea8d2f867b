"""Standard machine-readable reports: RFC 3464 delivery status and RFC 5965 feedback reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
NOT_COMPLAINTS = {"not-spam"}


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient block of a delivery status notification."""

    recipient: str | None
    action: str  # failed | delayed | delivered | relayed | expanded
    status: str | None
    diagnostic: str | None


@dataclass(frozen=True)
class Feedback:
    """The machine-readable part of an ARF report."""

    feedback_type: str
    original_rcpt: str | None
    original_mail_from: str | None


def report_type(message: Message) -> str | None:
    """`delivery-status` or `feedback-report` when the message is such a report."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            return "delivery-status"
        if kind == "message/feedback-report":
            return "feedback-report"
    if message.get_content_type() == "multipart/report":
        return (message.get_param("report-type") or "").lower() or None
    return None


def _fields(part: Message) -> list[Message]:
    """The header blocks of a status or feedback part, however the parser stored them."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    if isinstance(payload, str):
        from email.parser import HeaderParser

        blocks = re.split(r"\r?\n\s*\r?\n", payload.strip())
        return [HeaderParser().parsestr(block) for block in blocks if block.strip()]
    return []


def _address(value: str | None) -> str | None:
    """`rfc822; someone@example.org` -> `someone@example.org`."""
    if not value:
        return None
    text = value.partition(";")[2] if ";" in value else value
    return " ".join(text.split()).strip("<> ").lower() or None


def delivery_statuses(message: Message) -> list[RecipientStatus]:
    """Every per-recipient block of every delivery status part."""
    found = []
    for part in message.walk():
        if part.get_content_type() not in (
            "message/delivery-status",
            "message/global-delivery-status",
        ):
            continue
        for block in _fields(part):
            action = (block.get("Action") or "").strip().lower()
            if not action:
                continue  # the per-message block
            status = _STATUS.search(block.get("Status") or "")
            diagnostic = " ".join((block.get("Diagnostic-Code") or "").split()) or None
            recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
            found.append(
                RecipientStatus(recipient, action, status.group(1) if status else None, diagnostic)
            )
    return found


def feedback(message: Message) -> Feedback | None:
    """The feedback-report fields of an ARF message, if it is one."""
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        fields = _fields(part)
        merged = fields[0] if fields else Message()
        return Feedback(
            feedback_type=(merged.get("Feedback-Type") or "abuse").strip().lower(),
            original_rcpt=_address(merged.get("Original-Rcpt-To")),
            original_mail_from=_address(merged.get("Original-Mail-From")),
        )
    return None


def is_complaint(report: Feedback) -> bool:
    return report.feedback_type not in NOT_COMPLAINTS


def original_headers(message: Message) -> list[Message]:
    """The returned copies of our message (message/rfc822, text/rfc822-headers)."""
    found = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global") and part.is_multipart():
            found.extend(p for p in part.get_payload() if isinstance(p, Message))
        elif kind in ("text/rfc822-headers", "message/global-headers"):
            from email.parser import HeaderParser

            found.append(HeaderParser().parsestr(_text_of(part)))
    return found


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        try:
            return payload.decode(part.get_content_charset() or "utf-8", "replace")
        except LookupError:  # a charset nobody knows
            return payload.decode("utf-8", "replace")
    return str(part.get_payload())
