"""Server-rendered charts: the numbers and the shapes an SVG template draws (no library, no JS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from digest.audience.search import subscriptions_by_day
from digest.deliver.progress import released_outcomes
from digest.models import utcnow

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM = 600, 220, 72, 28
TOP_GAP = 12  # room above the tallest bar for the top label
NICE_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


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
class Tick:
    y: float
    label: str  # compact: "2.5k"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    top: int  # the axis' top value: a round number at or above the largest value
    bars: list[Bar]
    points: str = ""  # a polyline's points, for a line chart
    first: str = ""
    last: str = ""
    peak: int = 0  # the largest value itself
    left: int = PAD_LEFT  # where the plot starts; the axis labels end just before it
    base: int = HEIGHT - PAD_BOTTOM

    @property
    def ticks(self) -> list[Tick]:
        """Labels at the top, the middle and zero of the y axis."""
        values = (self.top, self.top // 2, 0) if self.top % 2 == 0 else (self.top, 0)
        return [Tick(self.base - _scale(v, self.top), compact(v)) for v in values]


def deliveries_per_edition(limit: int = 12) -> Chart:
    """Sent and failed deliveries of the latest released editions, oldest on the left."""
    values = released_outcomes(limit)
    top = nice_ceiling(max([v.sent + v.failed for v in values] + [1]))
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
    peak = max(totals + [0])
    top = nice_ceiling(max(peak, 1))
    step = (WIDTH - PAD_LEFT) / max(days - 1, 1)
    points = " ".join(
        f"{PAD_LEFT + i * step:.1f},{HEIGHT - PAD_BOTTOM - _scale(v, top):.1f}"
        for i, v in enumerate(totals)
    )
    return Chart(WIDTH, HEIGHT, top, [], points, f"{start:%d %b}", f"{today:%d %b}", peak)


def _scale(value: float, top: int) -> float:
    return (HEIGHT - PAD_BOTTOM - TOP_GAP) * value / top


def nice_ceiling(value: int) -> int:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten)
    at or above `value`: the top of an axis people read at a glance."""
    if value <= 10:
        return max(value, 1)
    power = 10 ** (len(str(value)) - 1)
    return next(int(step * power) for step in NICE_STEPS if step * power >= value)


def compact(value: float) -> str:
    """A number for an axis in a few characters: 950, 1.2k, 12.5k, 3M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            shown = f"{value / size:.1f}".removesuffix(".0")
            return (shown if len(shown) <= 4 else f"{value / size:.0f}") + suffix
    return f"{value:.1f}".removesuffix(".0")
