"""Edition-wide views and changes of the delivery ledger: counts, what is due, suppression."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, update

from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryStatus,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
    utcnow,
)

PENDING = DeliveryStatus.PENDING


def delivery_counts(edition_id: int) -> dict[str, int]:
    """Rows per status for the admin pages.

    'retrying' counts pending rows that already failed once (and are not in
    'pending'); 'suppressed' counts failed rows whose address is now suppressed
    (a 5.1.x bounce), a part of 'failed'.
    """
    rows = db.session.execute(
        select(Delivery.status, Delivery.last_error.is_not(None), func.count())
        .where(Delivery.edition_id == edition_id)
        .group_by(Delivery.status, Delivery.last_error.is_not(None))
    )
    counts = {status.value: 0 for status in DeliveryStatus} | {"retrying": 0, "suppressed": 0}
    for status, has_error, count in rows:
        key = "retrying" if status is PENDING and has_error else status.value
        counts[key] += count
    if counts["failed"]:
        counts["suppressed"] = _suppressed_count(edition_id)
    return counts


def _suppressed_count(edition_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(
            Delivery.edition_id == edition_id,
            Delivery.status == DeliveryStatus.FAILED,
            Subscriber.status != SubscriberStatus.OK,
        )
    )


def next_due_at(connection: Connection, edition_id: int) -> datetime | None:
    """About when a pending row can next be claimed (now, if one can); None when none is pending."""
    now = utcnow()
    pending = (Delivery.edition_id == edition_id, Delivery.status == PENDING)
    with connection.begin():
        if connection.scalar(select(Delivery.id).where(*pending).limit(1)) is None:
            return None
        claimable = (
            (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now),
            (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= now),
        )
        if connection.scalar(select(Delivery.id).where(*pending, *claimable).limit(1)):
            return now
        soonest = [
            connection.scalar(select(func.min(column)).where(*pending, column > now))
            for column in (Delivery.lease_until, Delivery.next_attempt_at)
        ]
    return min((t for t in soonest if t is not None), default=now)


def finish_if_done(edition: Edition) -> bool:
    """An edition is finished only when no delivery row is pending."""
    has_pending = db.session.scalar(
        select(Delivery.id)
        .where(Delivery.edition_id == edition.id, Delivery.status == PENDING)
        .limit(1)
    )
    if has_pending is not None:
        return False
    edition.status = EditionStatus.SENT
    edition.finished_at = edition.finished_at or utcnow()
    db.session.commit()
    return True


def reopen_rows(delivery_ids: list[int]) -> None:
    """A pause blamed the server, not the recipients: the rows go back to pending and
    the addresses their failures suppressed are restored."""
    if not delivery_ids:
        return
    subscriber_ids = select(Delivery.subscriber_id).where(Delivery.id.in_(delivery_ids))
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.id.in_(subscriber_ids), Subscriber.status == SubscriberStatus.BOUNCED)
        .values(status=SubscriberStatus.OK, status_reason=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.status == DeliveryStatus.FAILED)
        .values(status=PENDING, lease_until=None, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
