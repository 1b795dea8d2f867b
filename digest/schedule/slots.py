"""What the scheduler does about a newsletter's slots: build early for review, send on time.

Both modes build the edition of the next slot `review_minutes` before it, so an
editor can look at it and hold it. Review-first mails the editors a link and sends
only what an editor approved: at the slot, or at once if approved later. Auto-send
refreshes the draft from its sources at the slot (keeping the editor's changes),
approves it and sends it, unless an editor held it. A slot with nothing new is
cancelled. Every decision takes `now`, so tests run it on a frozen clock.
"""

from __future__ import annotations

import email.policy
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from digest.app import current_settings
from digest.deliver.notices import Notice, send_notice
from digest.edition import lifecycle
from digest.edition.mail import review_message
from digest.errors import DigestError
from digest.extensions import db
from digest.models import Edition, EditionStatus, Newsletter, User, utcnow
from digest.schedule.triggers import latest_fire_time, make_trigger, slot_for

log = logging.getLogger(__name__)
MISFIRE_GRACE = timedelta(hours=1)
S = EditionStatus


@dataclass(frozen=True)
class Slots:
    """The slot whose time has come (within the grace period) and the next one, if in its window."""

    due: datetime | None
    upcoming: datetime | None


def slots_of(newsletter: Newsletter, now: datetime) -> Slots:
    trigger = make_trigger(newsletter.schedule_cron, newsletter.timezone)
    fired = latest_fire_time(trigger, now, MISFIRE_GRACE)
    due = slot_for(fired, newsletter.timezone) if fired else None
    following = trigger.get_next_fire_time(None, now)
    window = timedelta(minutes=newsletter.review_minutes)
    upcoming = None
    if following is not None and now < following <= now + window:
        upcoming = slot_for(following, newsletter.timezone)
    return Slots(due, upcoming)


def needs_work(newsletter: Newsletter, now: datetime) -> bool:
    """Cheap check for the minute tick: is there a slot to build, refresh, send or cancel?"""
    if newsletter.is_paused or not newsletter.schedule_cron:
        return False
    slots = slots_of(newsletter, now)
    if slots.upcoming and _edition_of(newsletter, slots.upcoming) is None:
        return True
    if slots.due:
        edition = _edition_of(newsletter, slots.due)
        if edition is None:
            return True
        empty = not any(not item.is_excluded for item in edition.items)
        return edition.status is S.DRAFT and (newsletter.send_mode != "review" or empty)
    return False


def tick_newsletter(newsletter_id: int, now: datetime) -> tuple[str, int | None]:
    """Act on the due and the upcoming slot; returns a summary and an edition to send now."""
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None or newsletter.is_paused or not newsletter.schedule_cron:
        return "skipped: paused or unscheduled", None
    slots = slots_of(newsletter, now)
    notes, to_send = [], None
    if slots.due:
        note, to_send = _at_slot(newsletter, slots.due, now)
        notes.append(note)
    if slots.upcoming:
        notes.append(_before_slot(newsletter, slots.upcoming))
    return "; ".join(notes) or "skipped: no slot is due", to_send


def _before_slot(newsletter: Newsletter, slot: datetime) -> str:
    edition = _edition_of(newsletter, slot)
    if edition is not None:
        return f"edition {edition.id} for {slot:%H:%M} UTC is {edition.status.value}"
    edition = _build(newsletter, slot)
    stories = _story_count(edition)
    if stories and newsletter.send_mode == "review":
        _ask_for_review(edition)
    return f"edition {edition.id} built for {slot:%H:%M} UTC with {stories} stories"


def _at_slot(newsletter: Newsletter, slot: datetime, now: datetime) -> tuple[str, int | None]:
    edition = _edition_of(newsletter, slot)
    is_new = edition is None
    if edition is None:
        edition = _build(newsletter, slot)
    elif edition.status is S.DRAFT and (
        newsletter.send_mode != "review" or not _story_count(edition)
    ):
        _build(newsletter, slot, refresh=edition)
    if edition.status is not S.DRAFT:
        db.session.commit()
        return _describe_waiting(edition), None
    stories, needed = _story_count(edition), max(newsletter.min_stories, 1)
    if stories < needed:
        lifecycle.cancel(edition)
        db.session.commit()
        if not stories:
            return f"edition {edition.id}: nothing new, not sent", None
        return f"edition {edition.id}: {stories} new stories, fewer than {needed}: not sent", None
    if newsletter.send_mode == "review":
        db.session.commit()
        if is_new:
            _ask_for_review(edition)
        return f"edition {edition.id} waits for an editor's approval", None
    lifecycle.approve(edition, now)
    db.session.commit()
    return f"edition {edition.id} approved at its slot", edition.id


def _describe_waiting(edition: Edition) -> str:
    if edition.status is S.PAUSED:
        return f"edition {edition.id} is held: {edition.pause_reason}"
    return f"edition {edition.id} of this slot is already {edition.status.value}"


def _build(newsletter: Newsletter, slot: datetime, refresh: Edition | None = None) -> Edition:
    """Poll the newsletter's sources, then build the slot's edition (or refresh its draft)."""
    from digest.edition.build import build_edition, refill_edition  # loads the grouping step
    from digest.ingest.poll import poll_newsletter_sources

    list(poll_newsletter_sources(current_settings().ingest, newsletter))
    if refresh is not None:
        refill_edition(refresh, utcnow())
        return refresh
    edition = build_edition(newsletter, slot)
    db.session.commit()
    return edition


def _ask_for_review(edition: Edition) -> None:
    """Mail every editor a link to the edition; sent after the commit, one failure logged."""
    settings = current_settings()
    link = f"{settings.links.base_url}/editor/edition/{edition.id}"
    sender = settings.delivery.envelope_from(edition.newsletter.from_email)
    for address in db.session.scalars(select(User.email).order_by(User.id)).all():
        message = review_message(edition, address, link)
        data = message.as_bytes(policy=email.policy.SMTP)
        try:
            send_notice(Notice(sender, address, data), settings.delivery.smtp)
        except DigestError:  # one editor's refused address must not stop the others
            log.exception("review mail to %s failed", address)


def _edition_of(newsletter: Newsletter, slot: datetime) -> Edition | None:
    return db.session.scalars(
        select(Edition).where(
            Edition.newsletter_id == newsletter.id,
            Edition.cadence == "every",
            Edition.slot == slot,
        )
    ).first()


def _story_count(edition: Edition) -> int:
    return sum(1 for item in edition.items if item.is_representative and not item.is_excluded)
