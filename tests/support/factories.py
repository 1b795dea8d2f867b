"""Builders for tests, straight from the ORM: no CLI, no ingest, no grouping.

Each flushes what it made and commits, so a test reads like the user's story:
`edition = make_edition(make_newsletter(), items=3)`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from flask import Flask
from sqlalchemy import insert, select

from digest.extensions import db
from digest.models import (
    Article,
    Delivery,
    DeliveryStatus,
    Edition,
    EditionItem,
    EditionStatus,
    Newsletter,
    Source,
    SourceKind,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
)
from digest.settings import Settings

_serial = count(1)


def settings_of(app: Flask) -> Settings:
    return app.extensions["digest.settings"]


def make_newsletter(slug: str = "city", title: str = "City Digest", **fields) -> Newsletter:
    newsletter = Newsletter(
        slug=slug,
        title=title,
        from_email=fields.pop("from_email", "news@digest.test"),
        timezone=fields.pop("timezone", "UTC"),
        **fields,
    )
    db.session.add(newsletter)
    db.session.commit()
    return newsletter


def make_source(newsletter: Newsletter, name: str = "City Wire") -> Source:
    source = Source(
        newsletter=newsletter, kind=SourceKind.IMPORT, location=f"import:{name}", name=name
    )
    db.session.add(source)
    db.session.flush()
    return source


def make_article(source: Source, title: str | None = None, **fields) -> Article:
    number = next(_serial)
    article = Article(
        source=source,
        canonical_url=fields.pop("canonical_url", f"https://news.example/story-{number}"),
        title=title or f"Story number {number}",
        text=fields.pop("text", f"The text of story {number}. It has two sentences."),
        categories=fields.pop("categories", []),
        **fields,
    )
    db.session.add(article)
    db.session.flush()
    return article


def make_edition(
    newsletter: Newsletter,
    items: int | list[dict] = 3,
    status: EditionStatus = EditionStatus.DRAFT,
    section: str = "News",
) -> Edition:
    """A draft with `items` stories (a count, or dicts of Article fields), one per section."""
    specs = [{} for _ in range(items)] if isinstance(items, int) else items
    source = make_source(newsletter, f"Wire {next(_serial)}")
    slot = datetime(2026, 11, 2, 7, tzinfo=UTC) + timedelta(minutes=next(_serial))
    edition = Edition(
        newsletter=newsletter, slot=slot, subject=f"{newsletter.title}: news", status=status
    )
    db.session.add(edition)
    db.session.flush()
    for position, spec in enumerate(specs):
        spec = dict(spec)
        item_section = spec.pop("section", section)
        summary = spec.pop("summary", None)
        article = make_article(source, **spec)
        edition.items.append(
            EditionItem(
                newsletter_id=newsletter.id,
                article=article,
                story_key=position,
                section=item_section,
                position=position,
                summary=summary or [article.text],
            )
        )
    db.session.commit()
    return edition


def make_subscribers(
    newsletter: Newsletter | int, n: int, start: int = 0, topics: list[str] | None = None
) -> list[str]:
    """Active subscribers reader{start}..@example.org, inserted in bulk; their addresses."""
    newsletter_id = newsletter if isinstance(newsletter, int) else newsletter.id
    emails = [f"reader{i}@example.org" for i in range(start, start + n)]
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
                "topics": topics or [],
            }
            for i in ids
        ],
    )
    db.session.commit()
    return emails


def make_deliveries(edition: Edition, rows: list[tuple[DeliveryStatus, datetime | None]]) -> None:
    """Ledger rows of `edition` with these (status, sent_at), one per subscription of its
    newsletter in id order (make the subscribers first), inserted in bulk."""
    subscriptions = db.session.execute(
        select(Subscription.id, Subscription.subscriber_id)
        .where(Subscription.newsletter_id == edition.newsletter_id)
        .order_by(Subscription.id)
    ).all()
    db.session.execute(
        insert(Delivery),
        [
            {
                "edition_id": edition.id,
                "subscriber_id": subscriber_id,
                "subscription_id": subscription_id,
                "status": status,
                "message_id": f"<{edition.id}.{subscription_id}@digest.test>",
                "sent_at": sent_at,
            }
            for (subscription_id, subscriber_id), (status, sent_at) in zip(
                subscriptions, rows, strict=True
            )
        ],
    )
    db.session.commit()
