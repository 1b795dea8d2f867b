"""Server-rendered charts: the numbers and the shapes an SVG template draws (no library, no JS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from digest.audience.search import subscriptions_by_day
from digest.deliver.progress import released_outcomes
from digest.models import utcnow

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM = 600, 220, 44, 28


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    sent_y: float
    sent_height: float
    failed_y: float
    failed_height: float
    label: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    top: int  # the largest value, written on the axis
    bars: list[Bar]
    points: str = ""  # a polyline's points, for a line chart
    first: str = ""
    last: str = ""


def deliveries_per_edition(limit: int = 12) -> Chart:
    """Sent and failed deliveries of the latest released editions, oldest on the left."""
    values = released_outcomes(limit)
    top = max([v.sent + v.failed for v in values] + [1])
    slot = (WIDTH - PAD_LEFT) / max(len(values), 1)
    bars = []
    for index, value in enumerate(values):
        sent, failed = value.sent, value.failed
        sent_h, failed_h = _scale(sent, top), _scale(failed, top)
        base = HEIGHT - PAD_BOTTOM
        bars.append(
            Bar(
                x=PAD_LEFT + index * slot + (slot - min(slot * 0.7, 60)) / 2,
                width=min(slot * 0.7, 60),
                sent_y=base - sent_h,
                sent_height=sent_h,
                failed_y=base - sent_h - failed_h,
                failed_height=failed_h,
                label=f"#{value.edition_id}",
                title=f"Edition {value.edition_id} ({value.subject}): {sent} sent, {failed} failed",
            )
        )
    return Chart(WIDTH, HEIGHT, top, bars)


def subscribers_over_time(days: int = 30, today: date | None = None) -> Chart:
    """Subscriptions that existed at the end of each of the last `days` days (a line)."""
    today = today or utcnow().date()
    start = today - timedelta(days=days - 1)
    before, per_day = subscriptions_by_day(start)
    totals, running = [], before
    for offset in range(days):
        running += per_day.get(start + timedelta(days=offset), 0)
        totals.append(running)
    top = max(totals + [1])
    step = (WIDTH - PAD_LEFT) / max(days - 1, 1)
    points = " ".join(
        f"{PAD_LEFT + i * step:.1f},{HEIGHT - PAD_BOTTOM - _scale(v, top):.1f}"
        for i, v in enumerate(totals)
    )
    return Chart(WIDTH, HEIGHT, top, [], points, f"{start:%d %b}", f"{today:%d %b}")


def _scale(value: int, top: int) -> float:
    return (HEIGHT - PAD_BOTTOM - 12) * value / top
