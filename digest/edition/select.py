"""Which articles go into the next edition: what arrived since the previous one, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from digest.extensions import db
from digest.models import Article, Edition, EditionItem, Newsletter, Source, SourceArticle

MAX_ITEMS = 200


def select_candidates(
    newsletter: Newsletter, now: datetime, draft: Edition | None
) -> list[Article]:
    """Articles of the newsletter's sources that arrived since its previous edition of the same
    cadence (a weekly edition gathers the week's stories again) and within its look-back window,
    unused so far."""
    cadence = draft.cadence if draft is not None else "every"
    since = arrived_since(newsletter, now, draft)
    used = select(EditionItem.article_id).where(
        EditionItem.newsletter_id == newsletter.id, EditionItem.cadence == cadence
    )
    if draft is not None:
        used = used.where(EditionItem.edition_id != draft.id)
    arrived = (
        select(SourceArticle.article_id)
        .join(Source, Source.id == SourceArticle.source_id)
        .where(Source.newsletter_id == newsletter.id, SourceArticle.linked_at >= since)
    )
    query = (
        select(Article)
        .where(Article.id.in_(arrived), Article.id.not_in(used))
        .order_by(Article.fetched_at.desc(), Article.id.desc())
        .limit(MAX_ITEMS)
    )
    return list(db.session.scalars(query))


def arrived_since(newsletter: Newsletter, now: datetime, draft: Edition | None) -> datetime:
    """Where the next edition's window starts: its previous edition of the same cadence was
    built, or the look-back window, whichever is later."""
    cadence = draft.cadence if draft is not None else "every"
    previous = _previous_edition(newsletter, draft, cadence)
    since = now - timedelta(days=newsletter.lookback_days or 7)
    return since if previous is None else max(since, previous.created_at)


def _previous_edition(
    newsletter: Newsletter, draft: Edition | None, cadence: str
) -> Edition | None:
    query = select(Edition).where(
        Edition.newsletter_id == newsletter.id, Edition.cadence == cadence
    )
    if draft is not None:
        query = query.where(Edition.id != draft.id)
    return db.session.scalars(query.order_by(Edition.created_at.desc()).limit(1)).first()
