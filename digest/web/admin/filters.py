"""Template filters for staff and public pages: schedules in words, times people can read."""

from __future__ import annotations

from datetime import UTC, datetime

from digest import newsletters
from digest.web.admin import bp


@bp.app_template_filter("schedule_words")
def schedule_words(cron: str | None, timezone: str = "UTC") -> str:
    """`0 7 * * mon` as "At 07:00, only on Monday (Europe/London)"."""
    return newsletters.describe_schedule(cron, timezone)


@bp.app_template_filter("next_run")
def next_run(cron: str | None, timezone: str = "UTC") -> datetime | None:
    runs = newsletters.next_runs(cron, timezone, 1) if cron else []
    return runs[0] if runs else None


@bp.app_template_filter("when")
def when(moment: datetime | None) -> str:
    """A time in its own zone ("Mon 30 Nov 2026, 07:00 GMT"); stored times read as UTC."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} {moment.tzname()}"
