"""The delivery ledger: one row per (edition, subscriber), claimed with a lease, marked after 250."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, cast, func, insert, literal, select, update

from digest.edition.snapshot import make_snapshot
from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryStatus,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    utcnow,
)

LEASE = timedelta(minutes=5)


def release_edition(edition: Edition) -> int:
    """Freeze the edition and create every delivery row in one transaction; again is a no-op."""
    if edition.is_frozen:
        return 0
    now = utcnow()
    edition.snapshot = make_snapshot(edition)
    edition.released_at = now
    edition.status = EditionStatus.SENDING
    db.session.flush()
    created = db.session.execute(_insert_rows(edition, now)).rowcount
    db.session.flush()
    return created


def _insert_rows(edition: Edition, now: datetime):
    domain = mail_domain()
    prefix = f"<{secrets.token_hex(6)}.{edition.id}."
    eligible = (
        select(
            literal(edition.id),
            Subscription.subscriber_id,
            Subscription.id,
            literal(DeliveryStatus.PENDING.value),
            literal(prefix) + cast(Subscription.subscriber_id, String) + literal(f"@{domain}>"),
            literal(0),
            literal(now, type_=Delivery.created_at.type),
        )
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(
            Subscription.newsletter_id == edition.newsletter_id,
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscriber.status == SubscriberStatus.OK,
        )
    )
    columns = ["edition_id", "subscriber_id", "subscription_id", "status", "message_id"]
    columns += ["attempts", "created_at"]
    return insert(Delivery).from_select(columns, eligible)


def mail_domain() -> str:
    return current_app.config["MAIL_FROM"].rpartition("@")[2] or "localhost"


def claim_batch(edition_id: int, size: int, lease: timedelta = LEASE) -> list[int]:
    """Lease up to `size` due rows to this worker and commit; expired leases are taken over."""
    now = utcnow()
    due = (
        select(Delivery.id)
        .where(*_claimable(edition_id, now))
        .order_by(Delivery.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(due), *_claimable(edition_id, now))
        .values(lease_until=now + lease, attempts=Delivery.attempts + 1)
        .returning(Delivery.id)
    ).all()
    db.session.commit()
    return sorted(claimed)


def _claimable(edition_id: int, now: datetime) -> tuple:
    return (
        Delivery.edition_id == edition_id,
        Delivery.status == DeliveryStatus.PENDING,
        (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now),
        (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= now),
    )


def _finish_row(delivery_id: int, **values) -> bool:
    """One short transaction that moves a pending row on; False if it was no longer pending."""
    done = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING)
        .values(lease_until=None, **values)
    ).rowcount
    db.session.commit()
    return bool(done)


def mark_sent(delivery_id: int) -> bool:
    return _finish_row(delivery_id, status=DeliveryStatus.SENT, sent_at=utcnow(), smtp_code=250)


def mark_failed(delivery_id: int, code: int | None, reason: str) -> bool:
    return _finish_row(
        delivery_id, status=DeliveryStatus.FAILED, smtp_code=code, last_error=reason[:2000]
    )


def mark_skipped(delivery_id: int, reason: str) -> bool:
    return _finish_row(delivery_id, status=DeliveryStatus.SKIPPED, last_error=reason)


def retry_later(delivery_id: int, at: datetime, code: int | None, reason: str) -> bool:
    return _finish_row(delivery_id, next_attempt_at=at, smtp_code=code, last_error=reason[:2000])


def reopen_rows(delivery_ids: list[int]) -> None:
    """Put failed rows back to pending (a pause blamed the server, not the recipients)."""
    if delivery_ids:
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids))
            .values(status=DeliveryStatus.PENDING, lease_until=None, next_attempt_at=None)
        )
        db.session.commit()


def suppress_subscriber(subscriber_id: int, reason: str) -> None:
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .values(status=SubscriberStatus.BOUNCED, status_reason=reason[:2000])
    )
    db.session.commit()


def delivery_counts(edition_id: int) -> dict[str, int]:
    """Rows per status, with 'retrying' for pending rows that already failed once."""
    rows = db.session.execute(
        select(Delivery.status, Delivery.last_error.is_not(None), func.count())
        .where(Delivery.edition_id == edition_id)
        .group_by(Delivery.status, Delivery.last_error.is_not(None))
    )
    counts = {status.value: 0 for status in DeliveryStatus} | {"retrying": 0}
    for status, has_error, count in rows:
        key = "retrying" if status is DeliveryStatus.PENDING and has_error else status.value
        counts[key] += count
    return counts


def next_due_at(edition_id: int) -> datetime | None:
    """About when a pending row can next be claimed (now, if one can); None when none is pending."""
    now = utcnow()
    pending = (Delivery.edition_id == edition_id, Delivery.status == DeliveryStatus.PENDING)
    if db.session.scalar(select(func.count()).select_from(Delivery).where(*pending)) == 0:
        return None
    if db.session.scalar(select(Delivery.id).where(*_claimable(edition_id, now)).limit(1)):
        return now
    soonest = [
        db.session.scalar(select(func.min(column)).where(*pending, column > now))
        for column in (Delivery.lease_until, Delivery.next_attempt_at)
    ]
    return min((t for t in soonest if t is not None), default=now)


def finish_if_done(edition: Edition) -> bool:
    """An edition is finished only when no delivery row is pending."""
    has_pending = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.edition_id == edition.id, Delivery.status == DeliveryStatus.PENDING)
    )
    if has_pending:
        return False
    edition.status = EditionStatus.SENT
    edition.finished_at = edition.finished_at or utcnow()
    db.session.commit()
    return True
