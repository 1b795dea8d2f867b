"""Delivery fixtures: an edition made from the ORM (no ingest, no grouping), subscribers in bulk."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from digest.deliver import counts_of, deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Delivery, Edition, Subscriber, SubscriberStatus
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of

# Fast retries, a client timeout shorter than the server's scripted HANG, small batches.
DELIVERY_SETTINGS = {
    "smtp_timeout": "1",
    "smtp_connections": "2",
    "send_batch": "20",
    "retry_base_seconds": "0.05",
}


@dataclass
class Sending:
    """An app (its context pushed) with an approved, unreleased edition and its subscribers."""

    app: Flask
    edition_id: int
    newsletter_id: int
    emails: list[str]

    def send(self, **options) -> dict[str, int]:
        return deliver_edition(self.edition_id, settings_of(self.app), **options)

    def counts(self) -> dict[str, int]:
        return counts_of(self.edition_id)

    def edition(self) -> Edition:
        db.session.rollback()
        return db.session.get(Edition, self.edition_id)

    def rows(self) -> dict[str, Delivery]:
        """Delivery rows by subscriber address."""
        db.session.rollback()
        found = db.session.execute(
            select(Subscriber.email, Delivery)
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.edition_id == self.edition_id)
        )
        return {address: row for address, row in found}

    def subscriber_status(self, address: str) -> SubscriberStatus:
        db.session.rollback()
        return db.session.scalar(select(Subscriber.status).where(Subscriber.email == address))


@pytest.fixture
def sending(make_app):
    """Build a Sending: sending(subscribers=10, **settings) with DIGEST_* overrides."""
    contexts = []

    def build(subscribers: int = 10, **settings: str) -> Sending:
        app = make_app(**(DELIVERY_SETTINGS | settings))
        context = app.app_context()
        context.push()
        contexts.append(context)
        newsletter = make_newsletter("city" if len(contexts) == 1 else f"city{len(contexts)}")
        edition = make_edition(newsletter, items=3)
        lifecycle.approve(edition)
        db.session.commit()
        emails = make_subscribers(newsletter, subscribers)
        return Sending(app, edition.id, newsletter.id, emails)

    yield build
    for context in reversed(contexts):
        context.pop()


def duplicates(recipients: list[str]) -> dict[str, int]:
    """Addresses that received more than one message, with their counts."""
    return {address: n for address, n in Counter(recipients).items() if n > 1}
