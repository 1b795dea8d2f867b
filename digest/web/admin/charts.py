"""Server-rendered charts: the numbers and the shapes an SVG template draws (no library, no JS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from digest.deliver.progress import outcomes_by_edition
from digest.extensions import db
from digest.models import DeliveryStatus, Edition, Subscription, utcnow

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
    editions = db.session.execute(
        select(Edition.id, Edition.subject)
        .where(Edition.released_at.is_not(None))
        .order_by(Edition.released_at.desc())
        .limit(limit)
    ).all()[::-1]
    counts = outcomes_by_edition([e.id for e in editions])
    values = [
        (
            e,
            counts.get((e.id, DeliveryStatus.SENT), 0),
            counts.get((e.id, DeliveryStatus.FAILED), 0),
        )
        for e in editions
    ]
    top = max([sent + failed for _, sent, failed in values] + [1])
    slot = (WIDTH - PAD_LEFT) / max(len(values), 1)
    bars = []
    for index, (edition, sent, failed) in enumerate(values):
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
                label=f"#{edition.id}",
                title=f"Edition {edition.id} ({edition.subject}): {sent} sent, {failed} failed",
            )
        )
    return Chart(WIDTH, HEIGHT, top, bars)


def subscribers_over_time(days: int = 30, today: date | None = None) -> Chart:
    """Subscriptions that existed at the end of each of the last `days` days (a line)."""
    today = today or utcnow().date()
    start = today - timedelta(days=days - 1)
    before = db.session.scalar(
        select(func.count(Subscription.id)).where(Subscription.created_at < _midnight(start))
    )
    per_day = dict(
        db.session.execute(
            select(func.date(Subscription.created_at), func.count())
            .where(Subscription.created_at >= _midnight(start))
            .group_by(func.date(Subscription.created_at))
        ).all()
    )
    totals, running = [], before or 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        running += per_day.get(day.isoformat(), per_day.get(day, 0))
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


def _midnight(day: date) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, tzinfo=UTC)
