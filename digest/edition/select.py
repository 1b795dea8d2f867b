"""Which articles go into the next edition: what arrived since the previous one, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from digest.extensions import db
from digest.models import Article, Edition, EditionItem, Newsletter, Source

FIRST_EDITION_LOOKBACK = timedelta(days=7)
MAX_ITEMS = 200


def select_candidates(
    newsletter: Newsletter, now: datetime, draft: Edition | None
) -> list[Article]:
    """Articles of the newsletter's sources fetched since its previous edition (of the same
    cadence: a weekly edition gathers the week's stories again), unused so far."""
    cadence = draft.cadence if draft is not None else "every"
    previous = _previous_edition(newsletter, draft, cadence)
    since = previous.created_at if previous else now - FIRST_EDITION_LOOKBACK
    used = select(EditionItem.article_id).where(
        EditionItem.newsletter_id == newsletter.id, EditionItem.cadence == cadence
    )
    if draft is not None:
        used = used.where(EditionItem.edition_id != draft.id)
    query = (
        select(Article)
        .join(Source)
        .where(
            Source.newsletter_id == newsletter.id,
            Article.fetched_at >= since,
            Article.id.not_in(used),
        )
        .order_by(Article.fetched_at.desc(), Article.id.desc())
        .limit(MAX_ITEMS)
    )
    return list(db.session.scalars(query))


def _previous_edition(
    newsletter: Newsletter, draft: Edition | None, cadence: str
) -> Edition | None:
    query = select(Edition).where(
        Edition.newsletter_id == newsletter.id, Edition.cadence == cadence
    )
    if draft is not None:
        query = query.where(Edition.id != draft.id)
    return db.session.scalars(query.order_by(Edition.created_at.desc()).limit(1)).first()
