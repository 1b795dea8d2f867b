"""Reading the audience for the admin and editor pages: readers to preview as, growth by day."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from digest.audience.search import active_readers, subscriptions_by_day
from digest.extensions import db
from digest.models import Subscription, SubscriptionStatus, utcnow
from tests.support.factories import make_newsletter, make_subscribers


def made_days_ago(days: list[int]) -> None:
    """Date the subscriptions, oldest id first, so many days before now."""
    ids = db.session.scalars(select(Subscription.id).order_by(Subscription.id)).all()
    for subscription_id, ago in zip(ids, days, strict=True):
        made = utcnow() - timedelta(days=ago)
        db.session.execute(
            update(Subscription).where(Subscription.id == subscription_id).values(created_at=made)
        )
    db.session.commit()


def test_subscriptions_are_counted_before_a_day_and_on_each_day_since(app):
    make_subscribers(make_newsletter(), 4)
    made_days_ago([10, 2, 2, 0])
    today = utcnow().date()
    before, per_day = subscriptions_by_day(today - timedelta(days=3))
    assert before == 1
    assert per_day == {today - timedelta(days=2): 2, today: 1}


def test_the_readers_to_preview_as_are_active_and_oldest_first(app):
    newsletter = make_newsletter()
    emails = make_subscribers(newsletter, 3)
    db.session.execute(
        update(Subscription)
        .where(Subscription.id == db.session.scalar(select(func.min(Subscription.id))))
        .values(status=SubscriptionStatus.UNSUBSCRIBED)
    )
    db.session.commit()
    readers = active_readers(newsletter.id, limit=5)
    assert [r.email for r in readers] == emails[1:]
