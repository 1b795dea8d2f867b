"""Finding subscribers for the admin pages: search, filters and keyset pages that stay fast;
the active readers an editor may preview as; subscriptions counted by day for the charts.

Pages are keyed by (address, subscription id), never by OFFSET: the 2,000th page costs what
the first does. Operations read only; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, func, or_, select, tuple_

from digest.extensions import db
from digest.models import (
    Newsletter,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
)

PAGE_SIZE = 50
STATUSES = ("active", "pending", "unsubscribed", "bounced", "complained")


@dataclass(frozen=True)
class SubscriberRow:
    subscription_id: int
    subscriber_id: int
    email: str
    name: str | None
    newsletter: str
    status: str
    topics: list
    since: datetime


@dataclass(frozen=True)
class Filters:
    text: str = ""
    newsletter_id: int | None = None
    status: str | None = None


def search(
    filters: Filters, after: tuple[str, int] | None = None, limit: int = PAGE_SIZE
) -> tuple[list[SubscriberRow], tuple[str, int] | None]:
    """One page of subscriptions in address order, and the key of the next page (or None)."""
    query = _query(filters)
    if after is not None:
        query = query.where(tuple_(Subscriber.email, Subscription.id) > tuple_(*after))
    rows = [_row(r) for r in db.session.execute(query.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, ((rows[-1].email, rows[-1].subscription_id) if more else None)


def every_row(filters: Filters, batch: int = 1000) -> Iterator[SubscriberRow]:
    """Every matching row, read a batch at a time (for a streamed export)."""
    after = None
    while True:
        rows, after = search(filters, after, batch)
        yield from rows
        if after is None:
            return


def _query(filters: Filters) -> Select:
    query = (
        select(
            Subscription.id,
            Subscriber.id,
            Subscriber.email,
            Subscriber.name,
            Newsletter.title,
            Subscription.status,
            Subscriber.status,
            Subscription.topics,
            Subscription.created_at,
        )
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .join(Newsletter, Newsletter.id == Subscription.newsletter_id)
        .order_by(Subscriber.email, Subscription.id)
    )
    text = " ".join((filters.text or "").split()).lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Subscriber.email.like(pattern, escape="\\"), _name_like(pattern)))
    if filters.newsletter_id:
        query = query.where(Subscription.newsletter_id == filters.newsletter_id)
    return _with_status(query, filters.status)


def _name_like(pattern: str):
    """Names match whatever their case: SQLite's LIKE already ignores ASCII case (and is
    faster without lower()); PostgreSQL needs ILIKE."""
    if db.engine.dialect.name == "sqlite":
        return Subscriber.name.like(pattern, escape="\\")
    return Subscriber.name.ilike(pattern, escape="\\")


def _with_status(query: Select, status: str | None) -> Select:
    if status in ("bounced", "complained"):
        return query.where(Subscriber.status == SubscriberStatus(status))
    if status in ("active", "pending", "unsubscribed"):
        return query.where(
            Subscription.status == SubscriptionStatus(status),
            Subscriber.status == SubscriberStatus.OK,
        )
    return query


def _row(r) -> SubscriberRow:
    (sub_id, subscriber_id, email, name, title, sub_status, address_status, topics, since) = r
    status = address_status if address_status is not SubscriberStatus.OK else sub_status
    return SubscriberRow(sub_id, subscriber_id, email, name, title, status.value, topics, since)


def active_readers(newsletter_id: int, limit: int) -> list[SubscriberRow]:
    """The newsletter's first `limit` active subscriptions, oldest first."""
    query = (
        _query(Filters(newsletter_id=newsletter_id))
        .where(Subscription.status == SubscriptionStatus.ACTIVE)
        .order_by(None)
        .order_by(Subscription.id)
        .limit(limit)
    )
    return [_row(r) for r in db.session.execute(query)]


def subscriptions_by_day(start: date) -> tuple[int, dict[date, int]]:
    """Subscriptions made before `start` (UTC), and how many were made each day since."""
    since = datetime.combine(start, time(), tzinfo=UTC)
    before = db.session.scalar(
        select(func.count(Subscription.id)).where(Subscription.created_at < since)
    )
    day = func.date(Subscription.created_at)  # text on SQLite, a date on PostgreSQL
    counted = db.session.execute(
        select(day, func.count()).where(Subscription.created_at >= since).group_by(day)
    )
    return before or 0, {_as_date(d): n for d, n in counted}


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
