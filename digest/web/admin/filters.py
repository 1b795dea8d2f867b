"""Template filters for staff and public pages: schedules in words, times people can read."""

from __future__ import annotations

from datetime import UTC, datetime


def schedule_words(cron: str | None, timezone: str = "UTC") -> str:
    """`0 7 * * mon` as "At 07:00, only on Monday (Europe/London)"."""
    from digest import newsletters  # the operations load with the first page that needs them

    return newsletters.describe_schedule(cron, timezone)


def next_run(cron: str | None, timezone: str = "UTC") -> datetime | None:
    from digest import newsletters

    runs = newsletters.next_runs(cron, timezone, 1) if cron else []
    return runs[0] if runs else None


def when(moment: datetime | None) -> str:
    """A time in its own zone ("Mon 30 Nov 2026, 07:00 GMT"); stored times read as UTC."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} {moment.tzname()}"


def thousands(number: int) -> str:
    """3006 as "3,006"."""
    return f"{number:,}"


FILTERS = {
    "schedule_words": schedule_words,
    "next_run": next_run,
    "when": when,
    "thousands": thousands,
}
