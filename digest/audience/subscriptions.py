"""Subscribers and their subscriptions: opt-in, confirmation, unsubscribe, topics."""

from __future__ import annotations

import re

from sqlalchemy import select

from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import (
    Newsletter,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    utcnow,
)

EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def normalise_email(raw: str) -> str:
    """A trimmed, lower-cased address, or InvalidInput."""
    email_address = raw.strip().lower()
    if len(email_address) > 254 or not EMAIL_PATTERN.match(email_address):
        raise InvalidInput(f"not an email address: {raw.strip()!r}")
    return email_address


def subscribe(
    newsletter: Newsletter,
    email_address: str,
    name: str | None = None,
    topics: list[str] | None = None,
    is_confirmed: bool = False,
) -> Subscription:
    """Add or find a subscription; an unsubscribed or bounced address is never reactivated here."""
    return add_subscription(newsletter, email_address, name, topics, is_confirmed)[0]


def add_subscription(
    newsletter: Newsletter,
    email_address: str,
    name: str | None,
    topics: list[str] | None,
    is_confirmed: bool,
) -> tuple[Subscription, bool]:
    subscriber = _subscriber(normalise_email(email_address), name)
    subscription = db.session.scalars(
        select(Subscription).where(
            Subscription.newsletter_id == newsletter.id,
            Subscription.subscriber_id == subscriber.id,
        )
    ).first()
    is_new = subscription is None
    if subscription is None:
        subscription = Subscription(
            newsletter=newsletter,
            subscriber=subscriber,
            topics=topics or [],
            status=SubscriptionStatus.PENDING,
        )
        db.session.add(subscription)
    if is_confirmed and subscription.status is SubscriptionStatus.PENDING:
        confirm(subscription)
    db.session.flush()
    return subscription, is_new


def _subscriber(email_address: str, name: str | None) -> Subscriber:
    subscriber = db.session.scalars(
        select(Subscriber).where(Subscriber.email == email_address)
    ).first()
    if subscriber is None:
        subscriber = Subscriber(email=email_address, name=name or None)
        db.session.add(subscriber)
        db.session.flush()
    elif name and not subscriber.name:
        subscriber.name = name
    return subscriber


def confirm(subscription: Subscription) -> bool:
    """Activate a pending subscription (double opt-in); True if it changed."""
    if subscription.status is not SubscriptionStatus.PENDING:
        return False
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.confirmed_at = utcnow()
    return True


def parse_topics(raw: str | list[str] | None) -> list[str]:
    """Topics from a form field or CSV cell ("Sport, Science" or "Sport;Science"), or a list."""
    parts = raw if isinstance(raw, list) else re.split(r"[;,|]", raw or "")
    seen: dict[str, None] = {}
    for part in parts:
        topic = " ".join(part.split())[:80]
        if topic:
            seen.setdefault(topic)
    return list(seen)


def set_topics(subscription: Subscription, raw: str | list[str] | None) -> list[str]:
    """The topics a subscriber chose on the preferences page (empty: everything)."""
    subscription.topics = parse_topics(raw)
    db.session.flush()
    return subscription.topics


def unsubscribe(subscription: Subscription) -> None:
    subscription.status = SubscriptionStatus.UNSUBSCRIBED
    subscription.unsubscribed_at = subscription.unsubscribed_at or utcnow()
