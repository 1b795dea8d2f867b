"""Subscribers and their subscriptions: opt-in, confirmation, unsubscribe, CSV import."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy import select

from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import (
    Newsletter,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    utcnow,
)

EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def normalise_email(raw: str) -> str:
    """A trimmed, lower-cased address, or InvalidInput."""
    email_address = raw.strip().lower()
    if len(email_address) > 254 or not EMAIL_PATTERN.match(email_address):
        raise InvalidInput(f"not an email address: {raw.strip()!r}")
    return email_address


def subscribe(
    newsletter: Newsletter,
    email_address: str,
    name: str | None = None,
    topics: list[str] | None = None,
    is_confirmed: bool = False,
) -> Subscription:
    """Add or find a subscription; an unsubscribed or bounced address is never reactivated here."""
    return _subscribe(newsletter, email_address, name, topics, is_confirmed)[0]


def _subscribe(
    newsletter: Newsletter,
    email_address: str,
    name: str | None,
    topics: list[str] | None,
    is_confirmed: bool,
) -> tuple[Subscription, bool]:
    subscriber = _subscriber(normalise_email(email_address), name)
    subscription = db.session.scalars(
        select(Subscription).where(
            Subscription.newsletter_id == newsletter.id,
            Subscription.subscriber_id == subscriber.id,
        )
    ).first()
    is_new = subscription is None
    if subscription is None:
        subscription = Subscription(
            newsletter=newsletter,
            subscriber=subscriber,
            topics=topics or [],
            status=SubscriptionStatus.PENDING,
        )
        db.session.add(subscription)
    if is_confirmed and subscription.status is SubscriptionStatus.PENDING:
        confirm(subscription)
    db.session.flush()
    return subscription, is_new


def _subscriber(email_address: str, name: str | None) -> Subscriber:
    subscriber = db.session.scalars(
        select(Subscriber).where(Subscriber.email == email_address)
    ).first()
    if subscriber is None:
        subscriber = Subscriber(email=email_address, name=name or None)
        db.session.add(subscriber)
        db.session.flush()
    elif name and not subscriber.name:
        subscriber.name = name
    return subscriber


def confirm(subscription: Subscription) -> bool:
    """Activate a pending subscription (double opt-in); True if it changed."""
    if subscription.status is not SubscriptionStatus.PENDING:
        return False
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.confirmed_at = utcnow()
    return True


def unsubscribe(subscription: Subscription) -> None:
    subscription.status = SubscriptionStatus.UNSUBSCRIBED
    subscription.unsubscribed_at = subscription.unsubscribed_at or utcnow()


@dataclass
class ImportReport:
    added: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)
    pending_confirmation: list[Subscription] = field(default_factory=list)


def import_csv(newsletter: Newsletter, stream: TextIO, needs_confirmation: bool) -> ImportReport:
    """Import rows with `email` (and optional `name`, `topics`); bad rows are reported by line."""
    report = ImportReport()
    for line, row in _csv_rows(stream):
        try:
            if None in row:
                raise InvalidInput("more fields than the header names")
            subscription, is_new = _subscribe(
                newsletter,
                row.get("email") or "",
                (row.get("name") or "").strip() or None,
                _topics(row.get("topics")),
                not needs_confirmation,
            )
        except InvalidInput as exc:
            report.errors.append(f"line {line}: {exc}")
            continue
        report.added += is_new
        report.existing += not is_new
        if needs_confirmation and subscription.status is SubscriptionStatus.PENDING:
            report.pending_confirmation.append(subscription)
    return report


def _csv_rows(stream: TextIO) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(stream)
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    if "email" not in headers:
        raise InvalidInput("the CSV needs a header row with an 'email' column", line=1)
    reader.fieldnames = headers
    for row in reader:
        yield reader.line_num, row


def _topics(raw: str | None) -> list[str]:
    return [t.strip() for t in re.split(r"[;,|]", raw or "") if t.strip()]
