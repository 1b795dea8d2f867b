"""Who may receive an edition: one rule, used to create delivery rows and to re-check each one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from digest.extensions import db
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


@dataclass(frozen=True)
class Skipped:
    """Why a subscription gets no row for an edition, by the rule release uses, read now:
    `kind` is a subscription status, an address status, "paused", "weekly" (she chose the
    weekly edition) or "every" (she gets every edition, not the weekly one)."""

    kind: str
    until: datetime | None = None


def skipped_subscriptions(
    subscription_ids: list[int], cadence: str, offers_weekly: bool
) -> dict[int, Skipped]:
    """Of these subscriptions, those an edition of `cadence` released now would not reach."""
    rows = db.session.execute(
        select(
            Subscription.id,
            Subscription.status,
            Subscriber.status,
            Subscription.paused_until,
            Subscription.frequency,
            is_eligible().label("is_eligible"),
            wants_cadence(cadence, offers_weekly).label("is_wanted"),
        )
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.id.in_(subscription_ids))
    )
    skipped = {}
    for row_id, status, address, until, frequency, eligible, wanted in rows:
        if status is not SubscriptionStatus.ACTIVE:
            skipped[row_id] = Skipped(status.value)
        elif address is not SubscriberStatus.OK:
            skipped[row_id] = Skipped(address.value)
        elif not eligible:
            skipped[row_id] = Skipped("paused", until)
        elif not wanted:
            skipped[row_id] = Skipped("weekly" if frequency == "weekly" else "every")
    return skipped
