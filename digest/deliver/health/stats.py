"""Rates over the last 30 days, per edition and per recipient domain, from the ledger and
the returned-mail events; unsubscribe requests and how long each took to take effect."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    Edition,
    EventKind,
    Subscriber,
    Subscription,
    utcnow,
)

WINDOW = timedelta(days=30)
PROMISE = timedelta(days=2)  # Gmail and Yahoo: unsubscribes honoured within two days
COUNTED = (EventKind.HARD_BOUNCE, EventKind.SOFT_BOUNCE, EventKind.COMPLAINT)


@dataclass
class Rates:
    label: str
    sent: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def rate(self, kind: str) -> float:
        return self.counts[kind] / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class UnsubscribeRequest:
    email: str
    channel: str
    requested_at: datetime
    done_at: datetime

    @property
    def took(self) -> timedelta:
        return max(self.done_at - self.requested_at, timedelta(0))

    @property
    def took_text(self) -> str:
        minutes = int(self.took.total_seconds()) // 60
        if minutes < 1:
            return "at once"
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        parts = [(days, "d"), (hours, "h"), (minutes, "min")]
        return " ".join(f"{n} {unit}" for n, unit in parts if n)

    @property
    def is_late(self) -> bool:
        return self.took > PROMISE


def _domain(column):
    """The part of an address after '@', in SQL, on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "postgresql":
        return func.lower(func.split_part(column, "@", 2))
    return func.lower(func.substr(column, func.instr(column, "@") + 1))


def _refused(since: datetime):
    """Rows refused for good (5xx) during the SMTP conversation: hard bounces too."""
    return and_(
        Delivery.status == DeliveryStatus.FAILED,
        Delivery.smtp_code >= 500,
        Delivery.attempted_at >= since,
    )


def rates_by_edition(now: datetime | None = None) -> list[Rates]:
    since = (now or utcnow()) - WINDOW
    editions = db.session.execute(
        select(Edition.id, Edition.subject)
        .where(Edition.released_at >= since)
        .order_by(Edition.released_at.desc())
    ).all()
    table = {eid: Rates(f"{eid}: {subject}") for eid, subject in editions}
    if not table:
        return []
    ids = list(table)
    for eid, sent in db.session.execute(
        select(Delivery.edition_id, func.count())
        .where(Delivery.edition_id.in_(ids), Delivery.status == DeliveryStatus.SENT)
        .group_by(Delivery.edition_id)
    ):
        table[eid].sent = sent
    for eid, kind, count in db.session.execute(
        select(DeliveryEvent.edition_id, DeliveryEvent.kind, func.count())
        .where(DeliveryEvent.edition_id.in_(ids))
        .group_by(DeliveryEvent.edition_id, DeliveryEvent.kind)
    ):
        table[eid].counts[kind.value] += count
    for eid, count in db.session.execute(
        select(Delivery.edition_id, func.count())
        .where(Delivery.edition_id.in_(ids), _refused(since))
        .group_by(Delivery.edition_id)
    ):
        table[eid].counts[EventKind.HARD_BOUNCE.value] += count
    return list(table.values())


def rates_by_domain(now: datetime | None = None, limit: int = 50) -> list[Rates]:
    """Per recipient domain, the busiest first."""
    since = (now or utcnow()) - WINDOW
    domain = _domain(Subscriber.email).label("domain")
    table: dict[str, Rates] = {}
    sent = (
        select(domain, func.count())
        .select_from(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.status == DeliveryStatus.SENT, Delivery.sent_at >= since)
        .group_by(domain)
    )
    for name, count in db.session.execute(sent):
        table.setdefault(name, Rates(name)).sent = count
    for name, kind, count in db.session.execute(
        select(DeliveryEvent.recipient_domain, DeliveryEvent.kind, func.count())
        .where(DeliveryEvent.received_at >= since, DeliveryEvent.kind.in_(COUNTED))
        .group_by(DeliveryEvent.recipient_domain, DeliveryEvent.kind)
    ):
        table.setdefault(name, Rates(name)).counts[kind.value] += count
    refused = (
        select(domain, func.count())
        .select_from(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(_refused(since))
        .group_by(domain)
    )
    for name, count in db.session.execute(refused):
        table.setdefault(name, Rates(name)).counts[EventKind.HARD_BOUNCE.value] += count
    return sorted(table.values(), key=lambda r: (-r.sent, r.label))[:limit]


def unsubscribe_requests(now: datetime | None = None, limit: int = 100) -> list[UnsubscribeRequest]:
    """Requests by mail (asked when the mail was written, done when it arrived) and by the
    one-click link (done as the request was answered), newest first."""
    since = (now or utcnow()) - WINDOW
    by_mail = db.session.execute(
        select(Subscriber.email, DeliveryEvent.requested_at, DeliveryEvent.received_at)
        .join(Subscriber, Subscriber.id == DeliveryEvent.subscriber_id)
        .where(DeliveryEvent.kind == EventKind.UNSUBSCRIBE, DeliveryEvent.received_at >= since)
        .order_by(DeliveryEvent.received_at.desc())
        .limit(limit)
    ).all()
    found = [UnsubscribeRequest(e, "mail", r or d, d) for e, r, d in by_mail]
    mailed = set(
        db.session.scalars(  # unsubscribed by mail or by a complaint, not by the link
            select(Subscriber.email)
            .join(DeliveryEvent, DeliveryEvent.subscriber_id == Subscriber.id)
            .where(
                DeliveryEvent.kind.in_([EventKind.UNSUBSCRIBE, EventKind.COMPLAINT]),
                DeliveryEvent.received_at >= since,
            )
        )
    )
    by_link = db.session.execute(
        select(Subscriber.email, Subscription.unsubscribed_at)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.unsubscribed_at >= since)
        .order_by(Subscription.unsubscribed_at.desc())
        .limit(limit)
    ).all()
    found += [UnsubscribeRequest(e, "link", at, at) for e, at in by_link if e not in mailed]
    return sorted(found, key=lambda r: r.done_at, reverse=True)[:limit]


def recent_events(limit: int = 50) -> list[tuple[DeliveryEvent, str]]:
    """The latest returned mails with the address each was about, newest first."""
    return db.session.execute(
        select(DeliveryEvent, Subscriber.email)
        .join(Subscriber, Subscriber.id == DeliveryEvent.subscriber_id)
        .order_by(DeliveryEvent.received_at.desc(), DeliveryEvent.id.desc())
        .limit(limit)
    ).all()
