"""Acting on returned mail: record it against its delivery row and do what it asks.

Hard bounce: the address is suppressed. Soft bounce: suppressed at the third in 30
days. Complaint: the subscription ends and the address is suppressed at once.
Unsubscribe request: the subscription ends. Auto-replies and delays are recorded
and change nothing. Operations flush; the caller commits.

Only a row named through something we signed is acted on: the `+b` return path or the
`+u` address (as envelope recipient, or quoted in a report), or a Message-ID carrying
its row's signature. A report naming its row only by an unsigned Message-ID (one of
an edition sent before Message-IDs were signed) is recorded as unknown and does
nothing; a mail that names no row of ours changes nothing at all. A plain mail to the
bare address asking to unsubscribe gets a one-click link back (see replies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from digest.audience import unsubscribe
from digest.deliver.inbound import classify as c
from digest.deliver.inbound.replies import answer_with_link, asks_to_unsubscribe
from digest.deliver.inbound.thresholds import check_edition
from digest.deliver.returnpath import UNSUBSCRIBE, SignedAddress, read_address, read_message_id
from digest.extensions import db
from digest.ingest.mail import mail_fingerprint
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
from digest.settings import Settings, SigningKeys

SOFT_LIMIT, SOFT_WINDOW = 3, timedelta(days=30)
REPORTS = (c.HARD, c.SOFT, c.DELAYED, c.COMPLAINT, c.AUTO_REPLY)
UNSIGNED = "recorded: it names its row only by an unsigned Message-ID, so nothing was done"


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
    mail_id: int | None = None  # an answer in the outbox, to send once the caller committed
    edition_id: int | None = None  # the edition of the delivery, for the log
    source_mail_ids: tuple[int, ...] = ()  # newsletters kept for mail sources, to read after


@dataclass(frozen=True)
class Named:
    """The row a mail names, and whether through something we signed."""

    delivery: Delivery
    is_signed: bool


def handle_mail(mail: InboundMail, settings: Settings, bases: frozenset[str]) -> Outcome:
    """Classify one mail and act on it; `bases` are our bounce/unsubscribe mailboxes."""
    secret = settings.links.keys  # an address signed before the key changed still counts
    verdict = c.classify(mail.raw, secret, mail.envelope_from)
    addressed = [a for a in (read_address(r, secret) for r in mail.recipients) if a]
    named = _named_row([*addressed, *verdict.signed], verdict.message_ids, secret)
    fingerprint = mail_fingerprint(mail.raw)
    if verdict.kind in REPORTS:
        if named is None:
            return Outcome(verdict.kind, "ignored: it names no delivery of ours")
        return _record(named, verdict, verdict.kind, fingerprint, mail.channel)
    asked = _named_row([a for a in addressed if a.kind == UNSUBSCRIBE], (), secret)
    if asked is not None:
        return _record(asked, verdict, EventKind.UNSUBSCRIBE, fingerprint, mail.channel)
    if asks_to_unsubscribe(verdict, mail.recipients, bases):
        reply = answer_with_link(verdict, settings)
        return Outcome(EventKind.UNSUBSCRIBE, reply.action, mail_id=reply.mail_id)
    if named is not None:
        return _record(named, verdict, c.OTHER, fingerprint, mail.channel)
    return Outcome(c.OTHER, f"ignored: {verdict.detail or 'not a report'}; names no delivery")


def _named_row(
    signed: list[SignedAddress], message_ids: tuple[str, ...], secret: SigningKeys
) -> Named | None:
    """The row named by a signed address, else by a signed Message-ID, else (unsigned) by a
    Message-ID of an edition sent before they were signed."""
    for row_id in [s.delivery_id for s in signed] + _signed_ids(message_ids, secret):
        delivery = db.session.get(Delivery, row_id)
        if delivery is not None:
            return Named(delivery, is_signed=True)
    if not message_ids:
        return None
    delivery = db.session.scalars(
        select(Delivery).where(Delivery.message_id.in_(message_ids)).limit(1)
    ).first()
    return Named(delivery, is_signed=False) if delivery is not None else None


def _signed_ids(message_ids: tuple[str, ...], secret: SigningKeys) -> list[int]:
    found = (read_message_id(secret, m) for m in message_ids)
    return [row_id for row_id in found if row_id is not None]


def _record(named: Named, verdict: c.Verdict, kind: str, fingerprint: str, channel: str) -> Outcome:
    """One event on the named row (once per distinct mail), and what it asks, if signed."""
    delivery = named.delivery
    done = db.session.scalar(
        select(DeliveryEvent.id).where(
            DeliveryEvent.delivery_id == delivery.id, DeliveryEvent.fingerprint == fingerprint
        )
    )
    if done:
        return Outcome(kind, "already handled", delivery.id, edition_id=delivery.edition_id)
    event = _event(delivery, verdict, kind, fingerprint, channel)
    if not named.is_signed:  # kept apart from real reports: no rate, no action counts it
        event.kind, event.detail = EventKind.UNKNOWN, f"unsigned {kind}: {event.detail or ''}"
    db.session.add(event)
    db.session.flush()
    event.action = _apply(event, delivery) if named.is_signed else UNSIGNED
    if event.kind in (EventKind.HARD_BOUNCE, EventKind.COMPLAINT):
        paused = check_edition(delivery.edition_id)
        if paused:
            event.action += f"; edition {delivery.edition_id} paused"
    db.session.flush()
    return Outcome(kind, event.action, delivery.id, edition_id=delivery.edition_id)


def _event(
    delivery: Delivery, verdict: c.Verdict, kind: str, fingerprint: str, channel: str
) -> DeliveryEvent:
    return DeliveryEvent(
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


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()[:254]
