"""The delivery ledger: one row per (edition, subscriber), claimed with a lease, marked after 250.

The ledger is the only truth about who got an edition. A claim stamps its
rows' `lease_until` with one exact timestamp, which then serves as the claim's
token: a sender only loads, renews or releases rows that still carry its
token, so a row taken over after its lease expired is never sent again by the
sender that lost it (beyond the one message it may have had in flight).
Every statement here runs in its own short transaction on the caller's
connection; no SMTP conversation happens inside one.
"""

from __future__ import annotations

import threading
import weakref
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, bindparam, func, insert, literal, select, update

from digest.audience import is_eligible
from digest.deliver.returnpath import make_message_id
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
    """Rows leased to one sender; `token` is the lease_until value they carry."""

    edition_id: int
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
    variant: int | None  # its subject line (digest.deliver.subjects)
    is_eligible: bool


def insert_rows(edition_id: int, newsletter_id: int, now: datetime, readers=None):
    """The INSERT ... SELECT that creates a pending row for every eligible subscription
    (of those `readers`, a condition on Subscription, selects: the edition's cadence).
    Their Message-IDs are left blank for `sign_message_ids`, which needs the rows' ids."""
    eligible = (
        select(
            literal(edition_id),
            Subscription.subscriber_id,
            Subscription.id,
            literal(PENDING.value),
            literal(""),
            literal(0),
            literal(now, type_=Delivery.created_at.type),
        )
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.newsletter_id == newsletter_id, is_eligible())
    )
    if readers is not None:
        eligible = eligible.where(readers)
    columns = ["edition_id", "subscriber_id", "subscription_id", "status", "message_id"]
    columns += ["attempts", "created_at"]
    return insert(Delivery).from_select(columns, eligible)


SIGN_CHUNK = 5000
_SET_MESSAGE_ID = (
    update(Delivery.__table__)
    .where(Delivery.__table__.c.id == bindparam("row_id"))
    .values(message_id=bindparam("signed_id"))
)


def sign_message_ids(connection: Connection, edition_id: int, secret: str, domain: str) -> int:
    """Give each new row of the edition its signed Message-ID, a chunk of rows at a time (so
    a million rows never sit in memory); the caller's transaction holds it. Rows written."""
    written, after = 0, 0
    while True:
        ids = connection.scalars(
            select(Delivery.id)
            .where(Delivery.edition_id == edition_id, Delivery.id > after)
            .where(Delivery.message_id == "")
            .order_by(Delivery.id)
            .limit(SIGN_CHUNK)
        ).all()
        if not ids:
            return written
        params = [{"row_id": i, "signed_id": make_message_id(secret, i, domain)} for i in ids]
        connection.execute(_SET_MESSAGE_ID, params)
        written, after = written + len(ids), ids[-1]


def write_turn(connection: Connection) -> AbstractContextManager:
    """Hold while writing. SQLite has one writer at a time: this process's senders queue
    on a lock rather than in SQLite's busy handler, which sleeps for milliseconds."""
    if connection.dialect.name != "sqlite":
        return nullcontext()
    engine = connection.engine
    lock = _ENGINE_WRITERS.get(engine)  # hashing an engine's URL costs more than the write
    if lock is None:
        lock = _SQLITE_WRITERS.setdefault(engine.url.render_as_string(), threading.Lock())
        _ENGINE_WRITERS[engine] = lock
    return lock


_SQLITE_WRITERS: dict[str, threading.Lock] = {}  # one per database file, whichever engine
_ENGINE_WRITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------- claims


def claim_batch(
    connection: Connection, edition_id: int, size: int, lease: timedelta, senders: int = 1
) -> Claim:
    """Lease up to `size` due rows and commit; expired leases are taken over.

    Unleased rows are taken first, in id order, which an index on
    (edition_id, status, lease_until) serves without scanning the sent rows. With `senders`
    sharing the edition, a claim near the end takes only its share of what is left, so the
    last rows go out over every connection instead of one (counting at most size x senders
    rows to tell).
    """
    now = utcnow()
    token = now + lease
    with write_turn(connection), connection.begin():
        if senders > 1:
            size = _share_of_tail(connection, edition_id, size, senders, now)
        ids = _lease(connection, edition_id, size, token, Delivery.lease_until.is_(None), now)
        if len(ids) < size:
            expired = Delivery.lease_until < now
            ids += _lease(connection, edition_id, size - len(ids), token, expired, now)
    return Claim(edition_id, sorted(ids), token)


def _share_of_tail(
    connection: Connection, edition_id: int, size: int, senders: int, now: datetime
) -> int:
    lease_free = (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now)
    near = select(Delivery.id).where(*_due(edition_id, now), lease_free).limit(size * senders)
    left = connection.scalar(select(func.count()).select_from(near.subquery())) or 0
    return max(1, min(size, -(-left // senders)))


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
        chosen = Delivery.id.in_(list(connection.scalars(due)))
    else:
        chosen = Delivery.id.in_(due.scalar_subquery())
    leased = update(Delivery).where(chosen, lease_clause).values(lease_until=token)
    return list(connection.scalars(leased.returning(Delivery.id)))


def _sending(edition_id: int):
    """The edition is still sending: one paused elsewhere (by a person or by its bounce
    rate) hands out no more rows, so its senders stop at their next claim."""
    return (
        select(Edition.id)
        .where(Edition.id == edition_id, Edition.status == EditionStatus.SENDING)
        .exists()
    )


def _due(edition_id: int, now: datetime) -> tuple:
    """Pending, its time come, and not held back for a subject test's winner."""
    return (
        _sending(edition_id),
        Delivery.edition_id == edition_id,
        Delivery.status == PENDING,
        (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= now),
        Delivery.variant.is_not(None),
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
    return Claim(claim.edition_id, sorted(kept), token)


def release_rows(connection: Connection, claim: Claim, ids: list[int]) -> None:
    """Hand rows back unsent so any sender can claim them now."""
    if ids:
        with write_turn(connection), connection.begin():
            connection.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.lease_until == claim.token)
                .values(lease_until=None)
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
        Delivery.variant,
        is_eligible(),
    )
    .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
    .join(Subscription, Subscription.id == Delivery.subscription_id)
    .where(Delivery.status == PENDING, Delivery.lease_until == bindparam("token"))
)
_LOAD_ONE = _LOAD_ROW.where(Delivery.id == bindparam("delivery_id"))
_LOAD_MANY = _LOAD_ROW.where(Delivery.id.in_(bindparam("ids", expanding=True)))


def load_row(connection: Connection, delivery_id: int, token: datetime) -> RowToSend | None:
    """The row with its subscriber and subscription, if it is still pending and still ours."""
    with connection.begin():
        found = connection.execute(_LOAD_ONE, {"delivery_id": delivery_id, "token": token}).first()
    return _row_to_send(found) if found else None


def _row_to_send(found: Row) -> RowToSend:
    *fields, is_eligible = found
    return RowToSend(*fields, is_eligible=bool(is_eligible))


def load_rows(connection: Connection, ids: list[int], token: datetime) -> dict[int, RowToSend]:
    """load_row for several rows in one statement: those still pending and ours, by id."""
    with connection.begin():
        found = connection.execute(_LOAD_MANY, {"ids": ids, "token": token}).all()
    return {row[0]: _row_to_send(row) for row in found}


# ---------------------------------------------------------------- marks
# The per-message statements are built once and run on the sender's own connection:
# building SQLAlchemy expressions and checking a pooled connection out and in
# cost more than executing them on SQLite.

_PENDING_ROW = update(Delivery).where(
    Delivery.id == bindparam("delivery_id"), Delivery.status == PENDING
)
_ATTEMPTED = {"lease_until": None, "attempts": Delivery.attempts + 1}
_MARK_SENT = _PENDING_ROW.values(
    status=DeliveryStatus.SENT,
    sent_at=bindparam("at"),
    attempted_at=bindparam("at"),
    failure_kind=None,
    smtp_code=250,
    **_ATTEMPTED,
)
_MARK_FAILED = _PENDING_ROW.values(
    status=DeliveryStatus.FAILED,
    smtp_code=bindparam("code"),
    last_error=bindparam("error"),
    attempts=Delivery.attempts + bindparam("attempted"),
    attempted_at=bindparam("at"),
    failure_kind=bindparam("kind"),
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
    connection: Connection,
    delivery_id: int,
    code: int | None,
    reason: str,
    *,
    kind: str | None = None,
    attempted: bool = True,
) -> bool:
    """A permanent failure; `kind` makes it count towards the edition's failure streak."""
    return _finish_row(
        connection,
        _MARK_FAILED,
        delivery_id,
        code=code,
        error=reason[:2000],
        attempted=int(attempted),
        at=utcnow() if kind else None,
        kind=kind,
    )


def mark_skipped(connection: Connection, delivery_id: int, reason: str) -> bool:
    return _finish_row(connection, _MARK_SKIPPED, delivery_id, error=reason)


def retry_later(
    connection: Connection, delivery_id: int, at: datetime, code: int | None, reason: str
) -> bool:
    return _finish_row(connection, _RETRY_LATER, delivery_id, at=at, code=code, error=reason[:2000])


_DEFER = _PENDING_ROW.values(next_attempt_at=bindparam("at"), lease_until=None)


def defer_row(connection: Connection, delivery_id: int, at: datetime) -> bool:
    """Put a row back until `at` without an attempt (its domain is being slowed down)."""
    return _finish_row(connection, _DEFER, delivery_id, at=at)


def refused_at_connect(connection: Connection, claim: Claim, kind: str) -> None:
    """The server refused before any recipient was named: it would refuse every row of the
    claim alike, so each still held goes back pending with the refusal counted against it
    (the reason goes into the pause, not onto rows that were never tried)."""
    with write_turn(connection), connection.begin():
        connection.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(claim.ids),
                Delivery.status == PENDING,
                Delivery.lease_until == claim.token,
            )
            .values(lease_until=None, attempted_at=utcnow(), failure_kind=kind)
        )


def suppress_subscriber(connection: Connection, subscriber_id: int, reason: str) -> None:
    """A 5.1.x bounce: this address gets nothing from any future edition."""
    with write_turn(connection), connection.begin():
        connection.execute(
            update(Subscriber)
            .where(Subscriber.id == subscriber_id, Subscriber.status == SubscriberStatus.OK)
            .values(status=SubscriberStatus.BOUNCED, status_reason=reason[:2000])
        )


# ---------------------------------------------------------------- the edition's view


def failure_streak(connection: Connection, edition_id: int, limit: int) -> str | None:
    """The kind of failure the last `limit` decisive attempts all ended in, or None.

    A decisive attempt is a 250 or a refusal that repeats across recipients; it is
    read from the ledger, so every sender of the edition, in any process, shares it.
    """
    with connection.begin():
        kinds = connection.scalars(
            select(Delivery.failure_kind)
            .where(Delivery.edition_id == edition_id, Delivery.attempted_at.is_not(None))
            .order_by(Delivery.attempted_at.desc(), Delivery.id.desc())
            .limit(limit)
        ).all()
    if len(kinds) < limit or kinds[0] is None or any(k != kinds[0] for k in kinds):
        return None
    return kinds[0]


def is_sending(connection: Connection, edition_id: int) -> bool:
    """Whether the edition is still sending: no person and no other sender paused it."""
    with connection.begin():
        return bool(connection.scalar(select(_sending(edition_id))))


def streak_rows(connection: Connection, edition_id: int, kind: str) -> list[int]:
    """Rows of the current streak of `kind`: failed with it since the last decisive success."""
    with connection.begin():
        since = connection.scalar(
            select(func.max(Delivery.attempted_at)).where(
                Delivery.edition_id == edition_id,
                Delivery.attempted_at.is_not(None),
                Delivery.failure_kind.is_(None),
            )
        )
        query = select(Delivery.id).where(
            Delivery.edition_id == edition_id, Delivery.failure_kind == kind
        )
        if since is not None:
            query = query.where(Delivery.attempted_at > since)
        return list(connection.scalars(query))


def next_due_at(connection: Connection, edition_id: int) -> datetime | None:
    """About when a pending row can next be claimed (now, if one can); None when none is
    pending or the edition stopped sending."""
    now = utcnow()
    pending = (Delivery.edition_id == edition_id, Delivery.status == PENDING)
    with connection.begin():
        if (
            connection.scalar(select(Delivery.id).where(*pending, _sending(edition_id)).limit(1))
            is None
        ):
            return None
        claimable = (
            (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now),
            (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= now),
            Delivery.variant.is_not(None),
        )
        if connection.scalar(select(Delivery.id).where(*pending, *claimable).limit(1)):
            return now
        soonest = [
            connection.scalar(select(func.min(column)).where(*pending, column > now))
            for column in (Delivery.lease_until, Delivery.next_attempt_at)
        ]
    return min((t for t in soonest if t is not None), default=now)


def claimable_count(connection: Connection, edition_id: int) -> int:
    """Pending rows a sender could claim now: never leased, or their lease expired."""
    now = utcnow()
    lease_free = (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now)
    with connection.begin():
        return connection.scalar(
            select(func.count()).select_from(Delivery).where(*_due(edition_id, now), lease_free)
        )


def has_pending(connection: Connection, edition_id: int) -> bool:
    pending = (Delivery.edition_id == edition_id, Delivery.status == PENDING)
    with connection.begin():
        return connection.scalar(select(Delivery.id).where(*pending).limit(1)) is not None


def delivery_counts(connection: Connection, edition_id: int) -> dict[str, int]:
    """Rows per status for progress and the admin pages.

    'retrying' counts pending rows that already failed once (and are not in
    'pending'); 'suppressed' counts failed rows whose address is now suppressed
    (a 5.1.x bounce), a part of 'failed'.
    """
    counts = {status.value: 0 for status in DeliveryStatus} | {"retrying": 0, "suppressed": 0}
    with connection.begin():
        rows = connection.execute(
            select(Delivery.status, Delivery.last_error.is_not(None), func.count())
            .where(Delivery.edition_id == edition_id)
            .group_by(Delivery.status, Delivery.last_error.is_not(None))
        )
        for status, has_error, count in rows:
            key = "retrying" if status is PENDING and has_error else status.value
            counts[key] += count
        if counts["failed"]:
            counts["suppressed"] = _suppressed_count(connection, edition_id)
    return counts


def _suppressed_count(connection: Connection, edition_id: int) -> int:
    return connection.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(
            Delivery.edition_id == edition_id,
            Delivery.status == DeliveryStatus.FAILED,
            Subscriber.status != SubscriberStatus.OK,
        )
    )


def reopen_rows(connection: Connection, delivery_ids: list[int]) -> None:
    """A pause blamed the server, not the recipients: the rows go back to pending and
    the addresses their failures suppressed are restored."""
    if not delivery_ids:
        return
    subscriber_ids = select(Delivery.subscriber_id).where(
        Delivery.id.in_(delivery_ids), Delivery.status == DeliveryStatus.FAILED
    )
    with write_turn(connection), connection.begin():
        connection.execute(
            update(Subscriber)
            .where(Subscriber.id.in_(subscriber_ids), Subscriber.status == SubscriberStatus.BOUNCED)
            .values(status=SubscriberStatus.OK, status_reason=None)
        )
        connection.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status != DeliveryStatus.SENT)
            .values(
                status=PENDING,
                lease_until=None,
                next_attempt_at=None,
                attempted_at=None,
                failure_kind=None,
            )
        )
