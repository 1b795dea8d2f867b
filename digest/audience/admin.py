"""What an admin may do to an address: remove it (it stays suppressed) or ask it to come back.

Nobody is re-subscribed silently: coming back is a new confirmation mail, and only the
person who follows its link is subscribed again. Operations flush, never commit.
"""

from __future__ import annotations

from sqlalchemy import select

from digest.audience.subscriptions import stamp_confirmation, unsubscribe
from digest.errors import InvalidInput, NotFound
from digest.extensions import db
from digest.models import Subscriber, Subscription, SubscriptionStatus, utcnow

REMOVED = "removed by an admin"


def get_subscription(subscription_id: int) -> Subscription:
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFound("subscription", subscription_id)
    return subscription


def remove_subscriber(subscriber: Subscriber) -> int:
    """Unsubscribe the address from every newsletter and forget its name; the row stays, so
    no import or form can bring it back without a confirmation. Returns subscriptions ended."""
    subscriptions = db.session.scalars(
        select(Subscription).where(Subscription.subscriber_id == subscriber.id)
    ).all()
    ended = 0
    for subscription in subscriptions:
        ended += subscription.status is not SubscriptionStatus.UNSUBSCRIBED
        unsubscribe(subscription)
    subscriber.name = None
    subscriber.status_reason = f"{REMOVED} on {utcnow():%Y-%m-%d}"
    db.session.flush()
    return ended


def request_resubscribe(subscription: Subscription) -> bool:
    """Make an unsubscribed or suppressed address pending again and claim its confirmation
    mail; False when a confirmation already went to it within the day (nothing changes)."""
    subscriber = subscription.subscriber
    if subscription.status is SubscriptionStatus.ACTIVE and subscriber.status.value == "ok":
        raise InvalidInput(f"{subscriber.email} is already subscribed")
    if not stamp_confirmation(subscriber):  # one a day, decided by the database
        return False
    subscription.status = SubscriptionStatus.PENDING
    subscription.unsubscribed_at = None
    subscriber.status_reason = "asked to confirm again by an admin"
    db.session.flush()
    return True
