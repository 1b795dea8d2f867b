"""The one door through which an edition changes status.

    draft -> approved -> sending <-> paused -> sent
      |         |                      |
      +---------+----> cancelled <-----+

An approved edition that has not been released yet can go back to draft (the
editor withdrew the approval); a paused edition that was never released can
too. A draft can be held (paused before release): an auto-send newsletter then
skips its slot until an editor approves it. Anything else raises
InvalidTransition naming the refused step.

Edition.send_at says when an approved edition may go out: an edition approved
before its slot waits for it; approved later (or "send now"), it goes at once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from digest.errors import InvalidTransition, NotFound
from digest.extensions import db
from digest.models import Edition, EditionStatus, utcnow

S = EditionStatus
log = logging.getLogger(__name__)
HELD_BY = "held by "  # the reason of an editor's hold; every other pause is the sender's
ALLOWED: dict[EditionStatus, frozenset[EditionStatus]] = {
    S.DRAFT: frozenset({S.APPROVED, S.PAUSED, S.CANCELLED}),
    S.APPROVED: frozenset({S.DRAFT, S.SENDING, S.PAUSED, S.CANCELLED}),
    S.SENDING: frozenset({S.PAUSED, S.SENT}),
    S.PAUSED: frozenset({S.SENDING, S.APPROVED, S.DRAFT, S.CANCELLED}),
    S.SENT: frozenset(),
    S.CANCELLED: frozenset(),
}


def get_edition(edition_id: int) -> Edition:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        raise NotFound("edition", edition_id)
    return edition


def transition(edition: Edition, to: EditionStatus, reason: str | None = None) -> None:
    """Move the edition to `to`, or raise InvalidTransition; `reason` goes with a pause."""
    if to not in ALLOWED[edition.status]:
        raise InvalidTransition(edition.id, edition.status.value, to.value)
    if to is S.DRAFT and edition.is_frozen:
        raise InvalidTransition(edition.id, edition.status.value, to.value, "it is released")
    _log_transition(edition, to, reason)
    edition.status = to
    edition.pause_reason = reason if to is S.PAUSED else None
    if to is S.APPROVED:
        edition.approved_at = utcnow()
    elif to is S.DRAFT:
        edition.approved_at = None
        edition.send_at = None
    elif to in (S.SENT, S.CANCELLED):
        edition.finished_at = edition.finished_at or utcnow()


def _log_transition(edition: Edition, to: EditionStatus, reason: str | None) -> None:
    """One line per change of status; a pause (someone must look) is a warning."""
    level = logging.WARNING if to is S.PAUSED else logging.INFO
    why = f": {reason}" if reason else ""
    fields = {"edition": edition.id, "newsletter": edition.newsletter_id}
    log.log(level, "%s -> %s%s", edition.status.value, to.value, why, extra=fields)


def approve(edition: Edition, now: datetime | None = None) -> None:
    """An editor's (or an auto-send newsletter's) go-ahead: it goes out at its slot, or at once
    if the slot has passed."""
    if not edition.has_items:
        raise InvalidTransition(
            edition.id, edition.status.value, S.APPROVED.value, "it has no stories to send"
        )
    transition(edition, S.APPROVED)
    now = now or utcnow()
    edition.send_at = edition.slot if edition.slot > now else None


def is_due(edition: Edition, now: datetime) -> bool:
    """An approved edition whose time has come (its slot, or at once)."""
    return edition.send_at is None or edition.send_at <= now


def hold(edition: Edition, who: str) -> None:
    """Keep a draft or an approved edition from going out until an editor approves it again.

    (Stopping a send already under way is the sender's pause, with its own reason.)"""
    if edition.is_frozen:
        raise InvalidTransition(edition.id, edition.status.value, S.PAUSED.value, "it is sending")
    transition(edition, S.PAUSED, f"{HELD_BY}{who}")


def is_held(edition: Edition) -> bool:
    """Paused by an editor before release (hold), not by the sender, an admin or a threshold."""
    reason = edition.pause_reason or ""
    return edition.status is S.PAUSED and not edition.is_frozen and reason.startswith(HELD_BY)


def send_now(edition: Edition, now: datetime | None = None) -> None:
    """Go out at once: approve a draft or a held edition, or resume a paused send."""
    if edition.status is S.PAUSED and edition.is_frozen:
        resume(edition)
        return
    if edition.status is not S.APPROVED:
        if edition.status is S.PAUSED:
            transition(edition, S.DRAFT)
        approve(edition, now)
    edition.send_at = None


def cancel(edition: Edition) -> None:
    """Nothing more of this edition goes out; a released one keeps what was already sent."""
    transition(edition, S.CANCELLED)


def pause(edition: Edition, reason: str) -> None:
    transition(edition, S.PAUSED, reason)


def resume(edition: Edition) -> None:
    """A person asked to go on after a pause: back to sending, or to approved if never released."""
    transition(edition, S.SENDING if edition.is_frozen else S.APPROVED)


def ensure_editable(edition: Edition) -> None:
    """Only a draft may change; anything approved or later is refused with its status."""
    if not edition.is_editable:
        raise InvalidTransition(
            edition.id, edition.status.value, "edited", "only a draft can be changed"
        )
