"""The delivery ledger: one row per (edition, subscriber), claimed with a lease, marked after 250.

A claim stamps its rows' `lease_until` with one exact timestamp, which then
serves as the claim's token: a worker only loads, renews or releases rows that
still carry its token, so a row taken over after its lease expired is never
sent again by the worker that lost it (beyond the one message it may have had
in flight at that moment).
"""

from __future__ import annotations

import secrets
import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, String, bindparam, cast, insert, literal, select, update

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

PENDING = DeliveryStatus.PENDING


@dataclass(frozen=True)
class Claim:
    """Rows leased to one worker; `token` is the lease_until value they carry."""

    ids: list[int]
    token: datetime


@dataclass(frozen=True)
class RowToSend:
    """What sending one row needs, read right before it is sent."""

    delivery_id: int
    message_id: str
    attempts: int
    subscriber_id: int
    email: str
    name: str | None
    subscriber_status: SubscriberStatus
    subscription_id: int
    subscription_status: SubscriptionStatus
    topics: list[str]


def release_edition(edition: Edition) -> int:
    """Freeze the edition and create every delivery row in one transaction; again is a no-op.

    The freeze is a conditional UPDATE, so of two concurrent releases one wins and
    the other (on PostgreSQL, once the winner commits) finds nothing to do.
    """
    now = utcnow()
    frozen = db.session.execute(
        update(Edition)
        .where(Edition.id == edition.id, Edition.released_at.is_(None))
        .values(released_at=now, status=EditionStatus.SENDING)
    ).rowcount
    if not frozen:
        return 0
    edition.snapshot = make_snapshot(edition)
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
            literal(PENDING.value),
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


def write_turn(connection: Connection) -> AbstractContextManager:
    """Hold while writing. SQLite has one writer at a time: this process's workers queue
    on a lock rather than in SQLite's busy handler, which sleeps for milliseconds."""
    if connection.dialect.name != "sqlite":
        return nullcontext()
    return _SQLITE_WRITERS.setdefault(connection.engine.url, threading.Lock())


_SQLITE_WRITERS: dict = {}


def claim_batch(connection: Connection, edition_id: int, size: int, lease: timedelta) -> Claim:
    """Lease up to `size` due rows to this worker and commit; expired leases are taken over.

    Unleased rows are taken first, in id order, which an index on
    (edition_id, status, lease_until) serves without scanning the sent rows.
    """
    now = utcnow()
    token = now + lease
    with write_turn(connection), connection.begin():
        ids = _lease(connection, edition_id, size, token, Delivery.lease_until.is_(None), now)
        if len(ids) < size:
            expired = Delivery.lease_until < now
            ids += _lease(connection, edition_id, size - len(ids), token, expired, now)
    return Claim(sorted(ids), token)


def _lease(
    connection: Connection, edition_id: int, size: int, token: datetime, lease_clause, now: datetime
) -> list[int]:
    due = (
        select(Delivery.id)
        .where(*_due(edition_id, now), lease_clause)
        .order_by(Delivery.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    if connection.dialect.name == "postgresql":
        # PostgreSQL may re-run an IN (... LIMIT n SKIP LOCKED) subquery and update more than
        # n rows; locking the ids first and updating exactly those keeps the batch size.
        ids = list(connection.scalars(due))
        chosen = Delivery.id.in_(ids)
    else:
        chosen = Delivery.id.in_(due.scalar_subquery())
    return list(
        connection.scalars(
            update(Delivery)
            .where(chosen, lease_clause)
            .values(lease_until=token)
            .returning(Delivery.id)
        )
    )


def _due(edition_id: int, now: datetime) -> tuple:
    return (
        Delivery.edition_id == edition_id,
        Delivery.status == PENDING,
        (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= now),
    )


def renew_lease(connection: Connection, claim: Claim, ids: list[int], lease: timedelta) -> Claim:
    """Extend the lease on the rows still held; rows taken over meanwhile drop out."""
    token = utcnow() + lease
    with write_turn(connection), connection.begin():
        kept = connection.scalars(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.lease_until == claim.token,
                Delivery.status == PENDING,
            )
            .values(lease_until=token)
            .returning(Delivery.id)
        ).all()
    return Claim(sorted(kept), token)


def release_rows(connection: Connection, claim: Claim, ids: list[int]) -> None:
    """Hand rows back unsent so any worker can claim them now."""
    if ids:
        with write_turn(connection), connection.begin():
            connection.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.lease_until == claim.token)
                .values(lease_until=None)
            )


def suppress_subscriber(connection: Connection, subscriber_id: int, reason: str) -> None:
    """A 5.1.x bounce: this address gets nothing from any future edition."""
    with write_turn(connection), connection.begin():
        connection.execute(
            update(Subscriber)
            .where(Subscriber.id == subscriber_id, Subscriber.status == SubscriberStatus.OK)
            .values(status=SubscriberStatus.BOUNCED, status_reason=reason[:2000])
        )


_LOAD_ROW = (
    select(
        Delivery.id,
        Delivery.message_id,
        Delivery.attempts,
        Subscriber.id,
        Subscriber.email,
        Subscriber.name,
        Subscriber.status,
        Subscription.id,
        Subscription.status,
        Subscription.topics,
    )
    .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
    .join(Subscription, Subscription.id == Delivery.subscription_id)
    .where(
        Delivery.id == bindparam("delivery_id"),
        Delivery.status == PENDING,
        Delivery.lease_until == bindparam("token"),
    )
)


def load_row(connection: Connection, delivery_id: int, token: datetime) -> RowToSend | None:
    """The row, its subscriber and subscription, if it is still pending and still ours."""
    with connection.begin():
        found = connection.execute(_LOAD_ROW, {"delivery_id": delivery_id, "token": token}).first()
    return RowToSend(*found) if found else None


# The per-message statements are built once and run on the worker's own connection:
# building SQLAlchemy expressions and checking a pooled connection out and in
# cost more than executing them on SQLite.
_PENDING_ROW = update(Delivery).where(
    Delivery.id == bindparam("delivery_id"), Delivery.status == PENDING
)
_ATTEMPTED = {"lease_until": None, "attempts": Delivery.attempts + 1}
_MARK_SENT = _PENDING_ROW.values(
    status=DeliveryStatus.SENT, sent_at=bindparam("at"), smtp_code=250, **_ATTEMPTED
)
_MARK_FAILED = _PENDING_ROW.values(
    status=DeliveryStatus.FAILED,
    smtp_code=bindparam("code"),
    last_error=bindparam("error"),
    attempts=Delivery.attempts + bindparam("attempted"),
    lease_until=None,
)
_MARK_SKIPPED = _PENDING_ROW.values(
    status=DeliveryStatus.SKIPPED, last_error=bindparam("error"), lease_until=None
)
_RETRY_LATER = _PENDING_ROW.values(
    next_attempt_at=bindparam("at"),
    smtp_code=bindparam("code"),
    last_error=bindparam("error"),
    **_ATTEMPTED,
)


def _finish_row(connection: Connection, statement, delivery_id: int, **params) -> bool:
    """One short transaction that moves a pending row on; False if it was no longer pending."""
    with write_turn(connection), connection.begin():
        done = connection.execute(statement, {"delivery_id": delivery_id, **params})
    return done.rowcount == 1


def mark_sent(connection: Connection, delivery_id: int) -> bool:
    return _finish_row(connection, _MARK_SENT, delivery_id, at=utcnow())


def mark_failed(
    connection: Connection, delivery_id: int, code: int | None, reason: str, attempted: bool = True
) -> bool:
    return _finish_row(
        connection,
        _MARK_FAILED,
        delivery_id,
        code=code,
        error=reason[:2000],
        attempted=int(attempted),
    )


def mark_skipped(connection: Connection, delivery_id: int, reason: str) -> bool:
    return _finish_row(connection, _MARK_SKIPPED, delivery_id, error=reason)


def retry_later(
    connection: Connection, delivery_id: int, at: datetime, code: int | None, reason: str
) -> bool:
    return _finish_row(connection, _RETRY_LATER, delivery_id, at=at, code=code, error=reason[:2000])
