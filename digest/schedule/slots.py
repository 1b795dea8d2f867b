"""When a newsletter's slots are: the cron schedule in its time zone, read for the minute
tick. What to do about a slot is the edition step's policy (digest.edition.slots); this
face finds the due slot and the upcoming one and applies it to each, on a clock it is
given, so tests run it frozen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from digest.edition.slots import SlotOutcome, run_slot, slot_edition, wants_sources
from digest.models import EditionStatus, Newsletter
from digest.schedule.triggers import latest_fire_time, make_trigger, slot_for

if TYPE_CHECKING:
    from digest.edition.build import RatesOf

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
    if slots.upcoming and slot_edition(newsletter, slots.upcoming) is None:
        return True
    if slots.due:
        edition = slot_edition(newsletter, slots.due)
        if edition is None:
            return True
        return edition.status is S.DRAFT and (
            newsletter.send_mode != "review" or not edition.has_items
        )
    return False


def due_slots(newsletter: Newsletter, now: datetime) -> list[tuple[datetime, bool]]:
    """The slot whose time has come and the upcoming one in its review window, each with
    whether it is due."""
    if newsletter.is_paused or not newsletter.schedule_cron:
        return []
    slots = slots_of(newsletter, now)
    pairs = ((slots.due, True), (slots.upcoming, False))
    return [(slot, is_due) for slot, is_due in pairs if slot]


def run_slots(
    newsletter: Newsletter,
    found: list[tuple[datetime, bool]],
    poll: Callable[[Newsletter], object],
    review_link: Callable[[int], str],
    now: datetime,
    cadence: str = "every",
    rates: RatesOf | None = None,
) -> list[SlotOutcome]:
    """Poll once if a slot will be built or refreshed, then run each slot (flushing only).
    `rates` reads the click history, for a newsletter that orders stories by clicks."""
    if any(wants_sources(newsletter, slot, is_due, cadence) for slot, is_due in found):
        poll(newsletter)
    return [
        run_slot(newsletter, s, is_due, review_link, now, cadence, rates) for s, is_due in found
    ]
