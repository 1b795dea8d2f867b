"""Cron triggers with IANA time zones, and the slot an edition is keyed by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from digest.newsletters import check_schedule, make_trigger

__all__ = ["check_schedule", "latest_fire_time", "make_trigger", "slot_for"]


def slot_for(fire_time: datetime, timezone: str) -> datetime:
    """The UTC key of a scheduled run; both runs of a repeated DST hour map to the same slot."""
    local = fire_time.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return local.replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(UTC).replace(microsecond=0)


def latest_fire_time(trigger: CronTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The last time the trigger fired at or before `now`, looking back at most `lookback`."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - lookback)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest
