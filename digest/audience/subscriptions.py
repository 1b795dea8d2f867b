"""Subscribers and their subscriptions: opt-in, confirmation, unsubscribe, topics."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from digest.audience.statistics import forget_reader
from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import (
    Newsletter,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    utcnow,
)

NAME_LIMIT = 100
LOCAL_PART_LIMIT = 64  # octets before the @ (RFC 5321, 4.5.3.1.1)
CONFIRMATION_INTERVAL = timedelta(hours=24)
T = TypeVar("T")
LOCAL_ADDRESS = re.compile(r"[A-Za-z0-9._+-]{1,64}@(?:[A-Za-z0-9-]+\.)*localhost")


def normalise_email(raw: str, *, allow_local: bool = False, field: str | None = None) -> str:
    """A validated, lower-cased address with its domain in ASCII (IDN), or InvalidInput naming
    `field` (the caller's parameter the address came in).

    Strict (email-validator): quoted or commented local parts such as `x:victim@` or
    `victim(1)@` are refused, and so are non-ASCII local parts, which need SMTPUTF8.
    `allow_local` also admits `localhost` domains, for the sender and accounts of a demo.
    """
    from email_validator import EmailNotValidError, validate_email  # 30 ms: loaded on first use

    text = (raw or "").strip()
    if is_local_part_too_long(text):
        too_long = f"more than {LOCAL_PART_LIMIT} characters before the @"
        raise InvalidInput(f"not an email address: {text!r} ({too_long})", field=field)
    if allow_local and LOCAL_ADDRESS.fullmatch(text):
        return text.lower()
    try:
        found = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=False,
            test_environment=True,
            strict=True,  # the local part's length, too
        )
    except EmailNotValidError as exc:
        raise InvalidInput(f"not an email address: {text!r} ({exc})", field=field) from None
    if len(found.ascii_email) > 254:
        raise InvalidInput(
            f"not an email address: {text!r} (longer than 254 characters)", field=field
        )
    return found.ascii_email.lower()


def is_local_part_too_long(address: str) -> bool:
    """Whether the part before the last @ is over RFC 5321's 64 octets."""
    local, at, _ = address.rpartition("@")
    return bool(at) and len(local.encode()) > LOCAL_PART_LIMIT


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
    """The subscription (new or found) and whether it is new.

    An existing subscriber's data (their name) is never changed here: a request to
    subscribe proves nothing about who sent it. Two identical requests at once store one row.
    """
    address = normalise_email(email_address)
    subscriber = _find_or_insert(
        select(Subscriber).where(Subscriber.email == address),
        lambda: Subscriber(email=address, name=clean_name(name)),
    )
    found = select(Subscription).where(
        Subscription.newsletter_id == newsletter.id,
        Subscription.subscriber_id == subscriber.id,
    )
    is_new = db.session.scalars(found).first() is None
    subscription = _find_or_insert(
        found,
        lambda: Subscription(
            newsletter=newsletter,
            subscriber=subscriber,
            topics=parse_topics(topics),
            status=SubscriptionStatus.PENDING,
        ),
    )
    if is_confirmed and subscription.status is SubscriptionStatus.PENDING:
        confirm(subscription)
    db.session.flush()
    return subscription, is_new


def _find_or_insert(query, make: Callable[[], T]) -> T:
    """The row the query finds, else a new one; a concurrent insert of the same row wins."""
    existing = db.session.scalars(query).first()
    if existing is not None:
        return existing
    row = make()
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # another request stored it between our read and our insert
        return db.session.scalars(query).one()
    return row


def clean_name(raw: str | None) -> str | None:
    """A display name: control characters dropped, spaces collapsed, at most 100 characters."""
    text = "".join(ch for ch in raw or "" if ch.isprintable() or ch == " ")
    return " ".join(text.split())[:NAME_LIMIT].strip() or None


def may_receive_confirmation(subscription: Subscription, *, may_return: bool = False) -> bool:
    """Only a pending subscription of a deliverable address gets an opt-in mail (and, when the
    reader asked on our pages, an ended one: `may_return`); an address gets at most one a
    day, whichever newsletter and whoever asks."""
    subscriber = subscription.subscriber
    last = subscriber.confirmation_sent_at
    wanted = {SubscriptionStatus.PENDING} | (
        {SubscriptionStatus.UNSUBSCRIBED} if may_return else set()
    )
    return (
        subscription.status in wanted
        and subscriber.status is SubscriberStatus.OK
        and (last is None or utcnow() - last >= CONFIRMATION_INTERVAL)
    )


def claim_confirmation(subscription: Subscription, *, may_return: bool = False) -> bool:
    """True (and the address stamped) when an opt-in mail may go out now."""
    if not may_receive_confirmation(subscription, may_return=may_return):
        return False
    return stamp_confirmation(subscription.subscriber)


def stamp_confirmation(subscriber: Subscriber) -> bool:
    """Stamp the address as sent a confirmation now, unless one went to it within the day.

    One conditional UPDATE decides, not a read then a write: of many requests for one address
    at once, the database lets exactly one stamp it (the others wait for its row, then find it
    stamped). True for that one.
    """
    now = utcnow()
    stamped = db.session.execute(
        update(Subscriber)
        .where(
            Subscriber.id == subscriber.id,
            or_(
                Subscriber.confirmation_sent_at.is_(None),
                Subscriber.confirmation_sent_at <= now - CONFIRMATION_INTERVAL,
            ),
        )
        .values(confirmation_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(subscriber, ["confirmation_sent_at"])
    return stamped.rowcount == 1


def confirm(subscription: Subscription, link_issued_at: datetime | None = None) -> bool:
    """Activate a pending subscription (double opt-in); True if it changed.

    An ended subscription comes back only through a link made after it ended (links
    carry whole seconds), so an old link in the mailbox cannot undo an unsubscribe.
    """
    if subscription.status is SubscriptionStatus.UNSUBSCRIBED and _is_after_the_end(
        subscription, link_issued_at
    ):
        subscription.unsubscribed_at = None
    elif subscription.status is not SubscriptionStatus.PENDING:
        return False
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.confirmed_at = utcnow()
    if subscription.subscriber.status is not SubscriberStatus.OK:
        # asked back by an admin: following the link proves the mailbox takes mail and wants it
        subscription.subscriber.status = SubscriberStatus.OK
    return True


def may_confirm(subscription: Subscription, link_issued_at: datetime | None) -> bool:
    """Whether confirm() with a link of this age would activate the subscription."""
    if subscription.status is SubscriptionStatus.UNSUBSCRIBED:
        return _is_after_the_end(subscription, link_issued_at)
    return subscription.status is SubscriptionStatus.PENDING


def _is_after_the_end(subscription: Subscription, link_issued_at: datetime | None) -> bool:
    ended = subscription.unsubscribed_at
    if link_issued_at is None or ended is None:
        return False
    return link_issued_at >= ended.replace(microsecond=0)


def request_subscription(
    newsletter: Newsletter, email_address: str, name: str | None, topics: list[str]
) -> Subscription:
    """A visitor's request: a new pending subscription, or the existing one. The topics asked
    for replace those of a subscription that is not active (it receives nothing until
    confirmed); an active reader's choices change only on their preferences page."""
    subscription, is_new = add_subscription(newsletter, email_address, name, topics, False)
    if not is_new and subscription.status is not SubscriptionStatus.ACTIVE:
        subscription.topics = parse_topics(topics)
        db.session.flush()
    return subscription


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
    """End the subscription; what per-reader statistics recorded about her goes with it."""
    subscription.status = SubscriptionStatus.UNSUBSCRIBED
    subscription.unsubscribed_at = subscription.unsubscribed_at or utcnow()
    forget_reader(subscription)
