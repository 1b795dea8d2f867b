"""A plain mail to our bare address that asks to unsubscribe. Nothing in it is signed (its
envelope and From are as easy to forge as its subject), so it changes nothing by itself;
the subscriber it names gets a one-click link instead, through the outbox, after the
caller's commit. At most one such answer a day goes to an address, only to a subscriber
we still mail, and never to a machine (a bounce, an auto-reply, a list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from digest.deliver.inbound.classify import Verdict
from digest.deliver.notices import unsubscribe_link_notice
from digest.deliver.outbox import add_mail
from digest.extensions import db
from digest.models import (
    OutboxMail,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    utcnow,
)
from digest.settings import Settings

REPLY_KIND = "unsubscribe link"
REPLY_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Reply:
    """What was done with the request: `mail_id` names the answer written to the outbox."""

    action: str
    mail_id: int | None = None


def asks_to_unsubscribe(verdict: Verdict, recipients: tuple[str, ...], bases: frozenset) -> bool:
    """A mail to one of our bare addresses whose subject asks to unsubscribe."""
    to_us = any(r.lower().strip("<>") in bases for r in recipients)
    return to_us and "unsubscribe" in verdict.subject.lower()


def answer_with_link(verdict: Verdict, settings: Settings) -> Reply:
    """Write the one-click link for the From address to the outbox, when it may have one."""
    if verdict.is_automatic or not verdict.sender:
        return Reply("ignored: an automatic mail gets no answer")
    subscriptions = _live_subscriptions(verdict.sender)
    if not subscriptions:
        return Reply("ignored: the sender is not a subscriber")
    if _answered_lately(subscriptions[0].subscriber.email):
        return Reply("ignored: a link went to this address less than a day ago")
    mail = add_mail(unsubscribe_link_notice(subscriptions, settings), REPLY_KIND)
    return Reply("answered with a one-click unsubscribe link; nothing changed", mail.id)


def _live_subscriptions(address: str) -> list[Subscription]:
    """The subscriptions of a subscriber we still mail, by address."""
    return list(
        db.session.scalars(
            select(Subscription)
            .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
            .where(
                Subscriber.email == address.lower(),
                Subscriber.status == SubscriberStatus.OK,
                Subscription.status != SubscriptionStatus.UNSUBSCRIBED,
            )
            .order_by(Subscription.id)
        )
    )


def _answered_lately(address: str) -> bool:
    return (
        db.session.scalar(
            select(OutboxMail.id)
            .where(
                OutboxMail.kind == REPLY_KIND,
                OutboxMail.recipient == address,
                OutboxMail.created_at >= utcnow() - REPLY_EVERY,
            )
            .limit(1)
        )
        is not None
    )
