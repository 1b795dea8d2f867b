"""When an edition goes out, said in the newsletter's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from digest.models import Edition, EditionStatus, utcnow

S = EditionStatus


def local_time(moment: datetime, timezone: str) -> str:
    """'Mon 30 Nov 07:00 (Europe/London)'."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%a %d %b %H:%M} ({timezone})"


def describe_when(edition: Edition, now: datetime | None = None) -> str:
    """One sentence on what happens next to this edition, and when."""
    now = now or utcnow()
    zone = edition.newsletter.timezone
    status = edition.status
    if status is S.DRAFT:
        return _draft_when(edition, now)
    if status is S.APPROVED:
        if edition.send_at and edition.send_at > now:
            return f"Approved. It goes out at its slot, {local_time(edition.send_at, zone)}."
        return "Approved. It goes out within a minute."
    if status is S.PAUSED:
        reason = (edition.pause_reason or "paused").capitalize()
        if edition.is_frozen:
            return f"{reason}. Resume to send the rest."
        return f"{reason}. It will not go out until an editor approves it or sends it now."
    if status is S.SENDING:
        return f"Sending since {local_time(edition.released_at, zone)}."
    if status is S.SENT:
        return f"Sent {local_time(edition.finished_at or edition.released_at, zone)}."
    return "Cancelled: nothing more of it goes out."


def _draft_when(edition: Edition, now: datetime) -> str:
    newsletter = edition.newsletter
    if edition.slot <= now or not newsletter.schedule_cron:
        return "Draft. It goes out when an editor approves it or sends it now."
    slot = local_time(edition.slot, newsletter.timezone)
    if newsletter.send_mode == "review":
        return f"Review-first: it goes out at {slot} only if approved (at once if approved later)."
    return f"Auto-send: it goes out at {slot} unless an editor holds it."
