"""Building an edition: select, summarize, group, store the items and a snapshot."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from digest.edition.arrange import SummaryLength, arrange_items
from digest.edition.lifecycle import ensure_editable
from digest.edition.select import select_candidates
from digest.extensions import db
from digest.models import Edition, EditionItem, EditionStatus, Newsletter, utcnow


def build_edition(newsletter: Newsletter, slot: datetime | None = None) -> Edition:
    """The next edition: a slot is built at most once; a manual build refreshes the draft."""
    if slot is not None:
        existing = next_slot_edition(newsletter, slot)
        if existing is not None:
            return existing
    draft = None if slot is not None else _open_draft(newsletter)
    now = utcnow()
    if draft is None:
        draft = Edition(
            newsletter=newsletter,
            slot=slot or now,  # a manual build is its own slot
            subject=_default_subject(newsletter, now),
            intro=newsletter.intro,
        )
        db.session.add(draft)
        db.session.flush()
    refill_edition(draft, now)
    return draft


def refill_edition(edition: Edition, now: datetime) -> None:
    """Replace a draft's items with the current candidates, keeping nothing stale."""
    ensure_editable(edition)
    edition.items.clear()
    db.session.flush()
    articles = select_candidates(edition.newsletter, now, edition)
    sections = edition.newsletter.sections or None
    newsletter = edition.newsletter
    length = SummaryLength(newsletter.summary_sentences, newsletter.summary_words)
    arranged = arrange_items(articles, sections, length)
    for position, placed in enumerate(keep_newest_stories(arranged, articles, newsletter)):
        edition.items.append(
            EditionItem(
                newsletter_id=edition.newsletter_id,
                article=placed.article,
                story_key=placed.story_key,
                is_representative=placed.is_representative,
                section=placed.section,
                position=position,
                summary=placed.summary,
            )
        )
    db.session.flush()


def keep_newest_stories(placed: list, articles: list, newsletter: Newsletter) -> list:
    """At most the newsletter's `max_stories` stories, the newest first; arranged order kept."""
    newest = {id(a): rank for rank, a in enumerate(articles)}  # articles come newest first
    rank: dict[int, int] = {}
    for item in placed:
        rank[item.story_key] = min(rank.get(item.story_key, 1 << 30), newest[id(item.article)])
    kept = set(sorted(rank, key=rank.get)[: newsletter.max_stories or len(rank)])
    return [item for item in placed if item.story_key in kept]


def next_slot_edition(newsletter: Newsletter, slot: datetime) -> Edition | None:
    return db.session.scalars(
        select(Edition).where(Edition.newsletter_id == newsletter.id, Edition.slot == slot)
    ).first()


def _open_draft(newsletter: Newsletter) -> Edition | None:
    return db.session.scalars(
        select(Edition)
        .where(
            Edition.newsletter_id == newsletter.id,
            Edition.status == EditionStatus.DRAFT,
            Edition.released_at.is_(None),
        )
        .order_by(Edition.created_at.desc())
        .limit(1)
    ).first()


def _default_subject(newsletter: Newsletter, now: datetime) -> str:
    local = now.astimezone(ZoneInfo(newsletter.timezone))
    return f"{newsletter.title}: {local.day} {local:%B %Y}"
