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


def build_edition(
    newsletter: Newsletter, slot: datetime | None = None, cadence: str = "every"
) -> Edition:
    """The next edition: a slot is built at most once; a manual build refreshes the draft.

    `cadence` "weekly" builds the weekly edition of the slot: the stories since the
    previous weekly edition, for the readers who asked for one email a week.
    """
    if slot is not None:
        existing = next_slot_edition(newsletter, slot, cadence)
        if existing is not None:
            return existing
    draft = None if slot is not None else _open_draft(newsletter, cadence)
    now = utcnow()
    if draft is None:
        draft = Edition(
            newsletter=newsletter,
            slot=slot or now,  # a manual build is its own slot
            cadence=cadence,
            subject=_default_subject(newsletter, now, cadence),
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
    for position, placed in enumerate(arrange_items(articles, sections, length)):
        edition.items.append(
            EditionItem(
                newsletter_id=edition.newsletter_id,
                cadence=edition.cadence,
                article=placed.article,
                story_key=placed.story_key,
                is_representative=placed.is_representative,
                section=placed.section,
                position=position,
                summary=placed.summary,
            )
        )
    db.session.flush()


def next_slot_edition(
    newsletter: Newsletter, slot: datetime, cadence: str = "every"
) -> Edition | None:
    return db.session.scalars(
        select(Edition).where(
            Edition.newsletter_id == newsletter.id,
            Edition.cadence == cadence,
            Edition.slot == slot,
        )
    ).first()


def _open_draft(newsletter: Newsletter, cadence: str) -> Edition | None:
    return db.session.scalars(
        select(Edition)
        .where(
            Edition.newsletter_id == newsletter.id,
            Edition.cadence == cadence,
            Edition.status == EditionStatus.DRAFT,
            Edition.released_at.is_(None),
        )
        .order_by(Edition.created_at.desc())
        .limit(1)
    ).first()


def _default_subject(newsletter: Newsletter, now: datetime, cadence: str = "every") -> str:
    local = now.astimezone(ZoneInfo(newsletter.timezone))
    if cadence == "weekly":
        return f"{newsletter.title}: the week to {local.day} {local:%B %Y}"
    return f"{newsletter.title}: {local.day} {local:%B %Y}"
