"""One eligibility rule: the rows a release creates are exactly the ones a send re-check allows."""

from __future__ import annotations

from sqlalchemy import select, update

from digest import audience
from digest.audience import ineligible_reason, is_eligible
from digest.extensions import db
from digest.models import (
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
)
from tests.support.factories import make_newsletter, make_subscribers


def eligible_emails() -> list[str]:
    return sorted(
        db.session.scalars(
            select(Subscriber.email)
            .join(Subscription, Subscription.subscriber_id == Subscriber.id)
            .where(is_eligible())
        )
    )


def test_only_confirmed_deliverable_addresses_are_eligible(app):
    newsletter = make_newsletter()
    emails = make_subscribers(newsletter, 4)
    db.session.execute(
        update(Subscription)
        .where(
            Subscription.subscriber_id
            == select(Subscriber.id).where(Subscriber.email == emails[0]).scalar_subquery()
        )
        .values(status=SubscriptionStatus.UNSUBSCRIBED)
    )
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.email == emails[1])
        .values(status=SubscriberStatus.BOUNCED)
    )
    audience.subscribe(newsletter, "pending@example.org")
    db.session.commit()
    assert eligible_emails() == emails[2:]


def test_the_reason_names_what_changed():
    active, ok = SubscriptionStatus.ACTIVE, SubscriberStatus.OK
    assert ineligible_reason(active, ok) is None
    assert ineligible_reason(SubscriptionStatus.UNSUBSCRIBED, ok) == "subscription unsubscribed"
    assert ineligible_reason(active, SubscriberStatus.COMPLAINED) == "address complained"


def test_topics_are_parsed_one_way():
    assert audience.parse_topics("Sport, Science;sport | ") == ["Sport", "Science", "sport"]
    assert audience.parse_topics(["  Local  news ", ""]) == ["Local news"]
