"""Who may receive an edition: one rule, used to create delivery rows and to re-check each one."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from digest.models import Subscriber, SubscriberStatus, Subscription, SubscriptionStatus


def is_eligible() -> ColumnElement[bool]:
    """A SQL condition over Subscription joined with its Subscriber: confirmed and deliverable."""
    return and_(
        Subscription.status == SubscriptionStatus.ACTIVE,
        Subscriber.status == SubscriberStatus.OK,
    )


def ineligible_reason(
    subscription_status: SubscriptionStatus, subscriber_status: SubscriberStatus
) -> str | None:
    """Why a row the rule refused must not be sent (unsubscribed or suppressed since release)."""
    if subscription_status is not SubscriptionStatus.ACTIVE:
        return f"subscription {subscription_status.value}"
    if subscriber_status is not SubscriberStatus.OK:
        return f"address {subscriber_status.value}"
    return None
