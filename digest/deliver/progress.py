"""Delivery progress for people: the editions being watched, the ledger's counts, the rate of
the last minute, and the counts behind the admin's charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from digest.deliver import ledger
from digest.extensions import db
from digest.models import Delivery, DeliveryStatus, Edition, EditionStatus, utcnow

RATE_WINDOW = timedelta(seconds=60)
WATCHED = (EditionStatus.APPROVED, EditionStatus.SENDING, EditionStatus.PAUSED)
LATEST_SENT = 5  # finished editions shown after the ones on their way out


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
    edition_id: int
    status: str
    pause_reason: str | None
    sent: int
    failed: int
    skipped: int
    waiting: int  # pending and retrying
    total: int
    rate: float  # messages a second over the last minute
    eta_seconds: int | None
    is_finished: bool


def progress_of(edition: Edition) -> Progress:
    """Counts from the ledger, the rate of the last minute and the time left at that rate."""
    counts = counts_of(edition.id)
    waiting = counts["pending"] + counts["retrying"]
    total = counts["sent"] + counts["failed"] + counts["skipped"] + waiting
    rate = _recent_rate(edition.id)
    return Progress(
        edition_id=edition.id,
        status=edition.status.value,
        pause_reason=edition.pause_reason,
        sent=counts["sent"],
        failed=counts["failed"],
        skipped=counts["skipped"],
        waiting=waiting,
        total=total,
        rate=round(rate, 2),
        eta_seconds=round(waiting / rate) if rate and waiting else None,
        is_finished=edition.status in (EditionStatus.SENT, EditionStatus.CANCELLED),
    )


def _recent_rate(edition_id: int) -> float:
    """Messages a second accepted over the last minute."""
    recent = db.session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.edition_id == edition_id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.sent_at >= utcnow() - RATE_WINDOW,
        )
    )
    return (recent or 0) / RATE_WINDOW.total_seconds()


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
