"""Acting on returned mail: record it against its delivery row and do what it asks.

Hard bounce: the address is suppressed. Soft bounce: suppressed at the third in 30
days. Complaint: the subscription ends and the address is suppressed at once.
Unsubscribe request: the subscription ends. Auto-replies and delays are recorded
and change nothing. A mail that names no row of ours (a forged or unknown token, no
known Message-ID) changes nothing at all. Operations flush; the caller commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from digest.audience import unsubscribe
from digest.deliver.inbound import classify as c
from digest.deliver.inbound.thresholds import check_edition
from digest.deliver.returnpath import UNSUBSCRIBE, SignedAddress, base_of, read_address
from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryEvent,
    EventKind,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    utcnow,
)

SOFT_LIMIT, SOFT_WINDOW = 3, timedelta(days=30)
REPORTS = (c.HARD, c.SOFT, c.DELAYED, c.COMPLAINT, c.AUTO_REPLY)


@dataclass(frozen=True)
class InboundMail:
    raw: bytes
    recipients: tuple[str, ...]  # the envelope recipients (or Delivered-To from a mailbox)
    envelope_from: str | None  # MAIL FROM; '' for a null sender, None when not known
    channel: str = "smtp"  # smtp | mailbox


@dataclass(frozen=True)
class Outcome:
    kind: str
    action: str
    delivery_id: int | None = None


def handle_mail(mail: InboundMail, secret: str, bases: frozenset[str]) -> Outcome:
    """Classify one mail and act on it; `bases` are our bounce/unsubscribe mailboxes."""
    verdict = c.classify(mail.raw, secret, mail.envelope_from)
    addressed = [a for a in (read_address(r, secret) for r in mail.recipients) if a]
    delivery = _delivery_for(addressed, verdict)
    fingerprint = hashlib.sha256(mail.raw).hexdigest()
    if verdict.kind in REPORTS:
        if delivery is None:
            return Outcome(verdict.kind, "ignored: it names no delivery of ours")
        return _record(delivery, verdict, verdict.kind, fingerprint, mail.channel)
    if any(a.kind == UNSUBSCRIBE for a in addressed) and delivery is not None:
        return _record(delivery, verdict, EventKind.UNSUBSCRIBE, fingerprint, mail.channel)
    if delivery is None and _asks_by_mail(mail, verdict, bases):
        return _unsubscribe_sender(mail, verdict, fingerprint)
    if delivery is not None:
        return _record(delivery, verdict, c.OTHER, fingerprint, mail.channel)
    return Outcome(c.OTHER, "ignored: not a report and names no delivery of ours")


def _delivery_for(addressed: list[SignedAddress], verdict: c.Verdict) -> Delivery | None:
    """The row named by the envelope, else by a signed address inside, else by Message-ID."""
    for signed in [*addressed, *verdict.signed]:
        delivery = db.session.get(Delivery, signed.delivery_id)
        if delivery is not None:
            return delivery
    if verdict.message_ids:
        return db.session.scalars(
            select(Delivery).where(Delivery.message_id.in_(verdict.message_ids)).limit(1)
        ).first()
    return None


def _record(
    delivery: Delivery, verdict: c.Verdict, kind: str, fingerprint: str, channel: str
) -> Outcome:
    done = db.session.scalar(
        select(DeliveryEvent.id).where(
            DeliveryEvent.delivery_id == delivery.id, DeliveryEvent.fingerprint == fingerprint
        )
    )
    if done:
        return Outcome(kind, "already handled", delivery.id)
    event = DeliveryEvent(
        delivery_id=delivery.id,
        edition_id=delivery.edition_id,
        subscriber_id=delivery.subscriber_id,
        kind=EventKind(kind),
        action="recorded",
        status=verdict.status,
        detail=verdict.detail,
        recipient_domain=domain_of(delivery.subscriber.email),
        channel=channel,
        fingerprint=fingerprint,
        requested_at=_requested_at(verdict),
    )
    db.session.add(event)
    db.session.flush()
    event.action = _apply(event, delivery)
    if event.kind in (EventKind.HARD_BOUNCE, EventKind.COMPLAINT):
        paused = check_edition(delivery.edition_id)
        if paused:
            event.action += f"; edition {delivery.edition_id} paused"
    db.session.flush()
    return Outcome(kind, event.action, delivery.id)


def _apply(event: DeliveryEvent, delivery: Delivery) -> str:
    subscriber = delivery.subscriber
    reason = " ".join(filter(None, [event.status, event.detail])) or event.kind.value
    if event.kind is EventKind.HARD_BOUNCE:
        return _suppress(subscriber, SubscriberStatus.BOUNCED, f"hard bounce: {reason}")
    if event.kind is EventKind.SOFT_BOUNCE:
        count = _soft_bounces(subscriber.id)
        if count < SOFT_LIMIT:
            return f"counted: soft bounce {count} of {SOFT_LIMIT} in 30 days"
        return _suppress(subscriber, SubscriberStatus.BOUNCED, f"{count} soft bounces: {reason}")
    if event.kind is EventKind.COMPLAINT:
        left = _unsubscribe(delivery.subscription)
        suppressed = _suppress(subscriber, SubscriberStatus.COMPLAINED, f"complaint: {reason}")
        return f"{left}; {suppressed}"
    if event.kind is EventKind.UNSUBSCRIBE:
        return _unsubscribe(delivery.subscription)
    return "ignored"


def _suppress(subscriber: Subscriber, status: SubscriberStatus, reason: str) -> str:
    if subscriber.status is not SubscriberStatus.OK:
        return f"already {subscriber.status.value}"
    subscriber.status, subscriber.status_reason = status, reason[:2000]
    return f"suppressed ({status.value})"


def _unsubscribe(subscription: Subscription) -> str:
    if subscription.status is SubscriptionStatus.UNSUBSCRIBED:
        return "already unsubscribed"
    unsubscribe(subscription)
    return "unsubscribed"


def _soft_bounces(subscriber_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            DeliveryEvent.subscriber_id == subscriber_id,
            DeliveryEvent.kind == EventKind.SOFT_BOUNCE,
            DeliveryEvent.received_at >= utcnow() - SOFT_WINDOW,
        )
    )


def _requested_at(verdict: c.Verdict):
    """When the person asked: the mail's Date, if it is not in the future or long past."""
    now = utcnow()
    sent = verdict.sent_at
    if sent is None or sent > now or now - sent > timedelta(days=30):
        return now
    return sent


def _asks_by_mail(mail: InboundMail, verdict: c.Verdict, bases: frozenset[str]) -> bool:
    """A plain mail to one of our bare addresses whose subject asks to unsubscribe."""
    to_us = any(r.lower().strip("<>") in bases for r in mail.recipients)
    return to_us and "unsubscribe" in verdict.subject.lower() and bool(verdict.sender)


def _unsubscribe_sender(mail: InboundMail, verdict: c.Verdict, fingerprint: str) -> Outcome:
    """An unsubscribe mailed without a token: honoured only when the envelope sender and the
    From address agree and belong to a subscriber; every subscription of theirs ends."""
    if mail.envelope_from and base_of(mail.envelope_from) != base_of(verdict.sender or ""):
        return Outcome(EventKind.UNSUBSCRIBE, "ignored: envelope sender and From differ")
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == verdict.sender))
    if subscriber is None:
        return Outcome(EventKind.UNSUBSCRIBE, "ignored: the sender is not a subscriber")
    subscriptions = db.session.scalars(
        select(Subscription).where(Subscription.subscriber_id == subscriber.id)
    ).all()
    for subscription in subscriptions:
        unsubscribe(subscription)
    db.session.add(
        DeliveryEvent(
            subscriber_id=subscriber.id,
            kind=EventKind.UNSUBSCRIBE,
            action=f"unsubscribed from {len(subscriptions)} newsletter(s) by sender",
            detail=verdict.subject,
            recipient_domain=domain_of(subscriber.email),
            channel=mail.channel,
            fingerprint=fingerprint,
            requested_at=_requested_at(verdict),
        )
    )
    db.session.flush()
    return Outcome(EventKind.UNSUBSCRIBE, "unsubscribed by sender")


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()[:254]
