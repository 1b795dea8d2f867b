"""Delivery progress for people: the editions being watched, the ledger's counts, the pace of
the send and the time left in words, and the counts behind the admin's charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import func, select

from digest.deliver import ledger
from digest.extensions import db
from digest.models import Delivery, DeliveryStatus, Edition, EditionStatus, utcnow

WATCHED = (EditionStatus.APPROVED, EditionStatus.SENDING, EditionStatus.PAUSED)
LATEST_SENT = 5  # finished editions shown after the ones on their way out
# The pace is read from the latest stretch of sending, at most its last minute: a stretch ends
# where no message went out for PAUSE_GAP (or four typical spacings, for a slow send), so the
# time an edition stood paused or waiting is not counted, and the first seconds count in full.
RATE_WINDOW = timedelta(seconds=60)
PAUSE_GAP = timedelta(seconds=15)
MIN_MESSAGES = 3  # fewer in the stretch: too soon to tell
MIN_SPAN = timedelta(seconds=2)
RECENT_ROWS = 2000  # send times read, newest first (a minute at 33 messages a second)


def watched_editions() -> list[Edition]:
    """Editions on their way out (approved, sending, paused), then the latest finished ones."""
    active = db.session.scalars(
        select(Edition).where(Edition.status.in_(WATCHED)).order_by(Edition.id.desc())
    ).all()
    done = db.session.scalars(
        select(Edition)
        .where(Edition.status == EditionStatus.SENT)
        .order_by(Edition.finished_at.desc())
        .limit(LATEST_SENT)
    ).all()
    return list(active) + list(done)


def counts_of(edition_id: int) -> dict[str, int]:
    """Rows per status (see ledger.delivery_counts), as committed: read on a fresh connection,
    so the caller's session (and what it has loaded) is left alone."""
    with db.engine.connect() as connection:
        return ledger.delivery_counts(connection, edition_id)


@dataclass
class Progress:
    """Where a send stands; sent + skipped + failed + waiting == total."""

    edition_id: int
    status: str
    pause_reason: str | None
    sent: int
    failed: int
    skipped: int  # unsubscribed, bounced or complained since the edition was released
    waiting: int  # pending and retrying
    total: int
    rate: float | None  # messages a second lately (see sending_rate); None: not known
    rate_text: str  # the rate as people read it ("12", "0.7", "-")
    eta_seconds: int | None
    time_left: str  # "about 3 minutes left", "paused", "finished"...
    is_finished: bool


def progress_of(edition: Edition, now: datetime | None = None) -> Progress:
    """Counts from the ledger; while sending, the pace of the latest stretch and the time left."""
    now = now or utcnow()
    counts = counts_of(edition.id)
    waiting = counts["pending"] + counts["retrying"]
    is_sending = edition.status is EditionStatus.SENDING
    times = _recent_send_times(edition.id) if is_sending else []
    rate = sending_rate(times, now) if is_sending else None
    eta = round(waiting / rate) if rate and waiting else None
    idle = (now - times[0]).total_seconds() if times else None
    time_left = time_left_words(edition.status, waiting, rate, eta, idle)
    if is_sending and edition.has_subject_test and edition.test_winner is None:
        eta, time_left = None, "subject test: the rest waits for the winning line"
    return Progress(
        edition_id=edition.id,
        status=edition.status.value,
        pause_reason=edition.pause_reason,
        sent=counts["sent"],
        failed=counts["failed"],
        skipped=counts["skipped"],
        waiting=waiting,
        total=counts["sent"] + counts["failed"] + counts["skipped"] + waiting,
        rate=None if rate is None else round(rate, 2),
        rate_text=rate_words(rate),
        eta_seconds=eta,
        time_left=time_left,
        is_finished=edition.status in (EditionStatus.SENT, EditionStatus.CANCELLED),
    )


def _recent_send_times(edition_id: int) -> list[datetime]:
    """When the edition's latest messages were accepted, newest first."""
    return list(
        db.session.scalars(
            select(Delivery.sent_at)
            .where(Delivery.edition_id == edition_id, Delivery.sent_at.is_not(None))
            .order_by(Delivery.sent_at.desc())
            .limit(RECENT_ROWS)
        )
    )


def sending_rate(sent_at: Sequence[datetime], now: datetime) -> float | None:
    """Messages a second over the latest stretch of sending (at most its last minute), counted
    up to `now`; 0 when nothing went out for longer than a pause; None when too soon to tell."""
    times = sorted(sent_at, reverse=True)
    if not times:
        return None
    gap = _pause_gap(times)
    if now - times[0] > gap:
        return 0.0
    stretch = [times[0]]
    for moment in times[1:]:
        if stretch[-1] - moment > gap or times[0] - moment > RATE_WINDOW:
            break
        stretch.append(moment)
    span = now - stretch[-1]
    if len(stretch) < MIN_MESSAGES or span < MIN_SPAN:
        return None
    return (len(stretch) - 1) / span.total_seconds()


def _pause_gap(newest_first: list[datetime]) -> timedelta:
    """How long without a message means sending stopped: PAUSE_GAP, or four typical spacings
    of this send when it is slower than that."""
    spacings = [
        (a - b).total_seconds() for a, b in zip(newest_first, newest_first[1:], strict=False)
    ]
    return max(PAUSE_GAP, timedelta(seconds=4 * median(spacings))) if spacings else PAUSE_GAP


def rate_words(rate: float | None) -> str:
    """A rate as people read it: whole numbers from 10 a second, one decimal below."""
    if rate is None:
        return "-"
    return f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}"


def time_left_words(
    status: EditionStatus,
    waiting: int,
    rate: float | None,
    eta_seconds: int | None,
    idle_seconds: float | None = None,
) -> str:
    """What is left of a send, in words; a stopped send says why instead of a time."""
    if status is not EditionStatus.SENDING:
        return STOPPED_WORDS.get(status, status.value)
    if not waiting:
        return "finishing"
    if eta_seconds is not None:
        return f"{about(eta_seconds)} left"
    if rate == 0 and idle_seconds is not None:
        return f"waiting: nothing sent for {_idle_words(round(idle_seconds))}"
    return "working out the time left"


STOPPED_WORDS = {
    EditionStatus.APPROVED: "not started yet",
    EditionStatus.PAUSED: "paused",
    EditionStatus.SENT: "finished",
    EditionStatus.CANCELLED: "cancelled",
}


def about(seconds: int) -> str:
    """A duration as people say it: "less than a minute", "about 3 minutes",
    "about 1 hour 20 minutes", "about 14 hours"."""
    if seconds < 45:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {_count(minutes, 'minute')}"
    if minutes < 10 * 60:
        hours, rest = divmod(round(minutes / 10) * 10, 60)
        return f"about {_count(hours, 'hour')}" + (f" {_count(rest, 'minute')}" if rest else "")
    hours = round(minutes / 60)
    if hours < 48:
        return f"about {_count(hours, 'hour')}"
    return f"about {_count(round(hours / 24), 'day')}"


def _idle_words(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 90 else about(seconds).removeprefix("about ")


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" + ("" if number == 1 else "s")


def outcomes_by_edition(edition_ids: list[int]) -> dict[tuple[int, DeliveryStatus], int]:
    """Delivery rows per (edition, status), for the admin's chart."""
    found = db.session.execute(
        select(Delivery.edition_id, Delivery.status, func.count())
        .where(Delivery.edition_id.in_(edition_ids))
        .group_by(Delivery.edition_id, Delivery.status)
    )
    return {(edition_id, status): n for edition_id, status, n in found}


@dataclass(frozen=True)
class EditionOutcome:
    edition_id: int
    subject: str
    sent: int
    failed: int


def released_outcomes(limit: int = 12) -> list[EditionOutcome]:
    """Sent and failed rows of the latest released editions, oldest first, for the admin's chart."""
    editions = db.session.execute(
        select(Edition.id, Edition.subject)
        .where(Edition.released_at.is_not(None))
        .order_by(Edition.released_at.desc())
        .limit(limit)
    ).all()[::-1]
    counts = outcomes_by_edition([e.id for e in editions])
    return [
        EditionOutcome(
            e.id,
            e.subject,
            sent=counts.get((e.id, DeliveryStatus.SENT), 0),
            failed=counts.get((e.id, DeliveryStatus.FAILED), 0),
        )
        for e in editions
    ]
