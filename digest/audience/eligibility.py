"""Who may receive an edition: one rule, used to create delivery rows and to re-check each one."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_, true

from digest.models import Subscriber, SubscriberStatus, Subscription, SubscriptionStatus


def is_eligible() -> ColumnElement[bool]:
    """A SQL condition over Subscription joined with its Subscriber: confirmed, deliverable
    and not paused. The pause is compared with the database's clock when the statement runs,
    so a statement built once still sees a pause end."""
    return and_(
        Subscription.status == SubscriptionStatus.ACTIVE,
        Subscriber.status == SubscriberStatus.OK,
        or_(
            Subscription.paused_until.is_(None),
            Subscription.paused_until <= func.current_timestamp(),
        ),
    )


def wants_cadence(cadence: str, offers_weekly: bool) -> ColumnElement[bool]:
    """Which subscriptions an edition of this cadence is for: a weekly edition goes to the
    weekly readers only, an ordinary one to everyone else (to everyone when the newsletter
    no longer offers weekly, so no reader is left with nothing)."""
    if cadence == "weekly":
        return Subscription.frequency == "weekly"
    if not offers_weekly:
        return true()
    return Subscription.frequency != "weekly"


def ineligible_reason(
    subscription_status: SubscriptionStatus, subscriber_status: SubscriberStatus
) -> str | None:
    """Why a row the rule refused must not be sent (unsubscribed or suppressed since release)."""
    if subscription_status is not SubscriptionStatus.ACTIVE:
        return f"subscription {subscription_status.value}"
    if subscriber_status is not SubscriberStatus.OK:
        return f"address {subscriber_status.value}"
    return None
