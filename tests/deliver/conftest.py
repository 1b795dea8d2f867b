"""Delivery fixtures: an edition built through the CLI, subscribers inserted in bulk."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import insert, select

from digest.deliver import delivery_counts, send_edition
from digest.extensions import db
from digest.models import (
    Delivery,
    Edition,
    Newsletter,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
)
from tests.test_end_to_end import run_ok, write_articles

# Fast retries, a client timeout shorter than the server's scripted HANG, small batches.
DELIVERY_SETTINGS = {
    "smtp_timeout": "1",
    "smtp_connections": "2",
    "send_batch": "20",
    "retry_base_seconds": "0.05",
}


@dataclass
class Sending:
    """An app (its context pushed) with a built, unreleased edition and its subscribers."""

    app: Flask
    edition_id: int
    newsletter_id: int
    emails: list[str]

    def send(self) -> dict[str, int]:
        return send_edition(self.app, self.edition_id)

    def counts(self) -> dict[str, int]:
        db.session.rollback()
        return delivery_counts(self.edition_id)

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
def sending(make_app, tmp_path):
    """Build a Sending: sending(subscribers=10, **settings) with DIGEST_* overrides."""
    contexts = []

    def build(subscribers: int = 10, **settings: str) -> Sending:
        app = make_app(**(DELIVERY_SETTINGS | settings))
        context = app.app_context()
        context.push()
        contexts.append(context)
        edition_id = build_edition(app, tmp_path / f"articles{len(contexts)}")
        newsletter_id = db.session.get(Edition, edition_id).newsletter_id
        emails = add_subscribers(newsletter_id, subscribers)
        return Sending(app, edition_id, newsletter_id, emails)

    yield build
    for context in reversed(contexts):
        context.pop()


def build_edition(app: Flask, articles: Path) -> int:
    runner = app.test_cli_runner()
    run_ok(runner, "newsletter", "create", "city", "--title", "City Digest")
    run_ok(runner, "import", str(write_articles(articles)), "--newsletter", "city")
    return int(run_ok(runner, "build", "city").strip().splitlines()[-1])


def add_subscribers(newsletter_id: int, count: int, start: int = 0) -> list[str]:
    """Active subscribers reader{start}..reader{start+count-1}@example.org, inserted in bulk."""
    emails = [f"reader{n}@example.org" for n in range(start, start + count)]
    db.session.execute(
        insert(Subscriber),
        [{"email": e, "name": f"Reader {e[6:-12]}", "status": SubscriberStatus.OK} for e in emails],
    )
    ids = db.session.scalars(select(Subscriber.id).where(Subscriber.email.in_(emails))).all()
    db.session.execute(
        insert(Subscription),
        [
            {
                "newsletter_id": newsletter_id,
                "subscriber_id": i,
                "status": SubscriptionStatus.ACTIVE,
                "topics": [],
            }
            for i in ids
        ],
    )
    db.session.commit()
    return emails


def newsletter_id_of(slug: str) -> int:
    return db.session.scalar(select(Newsletter.id).where(Newsletter.slug == slug))


def duplicates(recipients: list[str]) -> dict[str, int]:
    """Addresses that received more than one message, with their counts."""
    return {address: n for address, n in Counter(recipients).items() if n > 1}
