"""The editor's changes to a draft: subject, intro, pinned and excluded items."""

from __future__ import annotations

from sqlalchemy import select

from digest.edition.lifecycle import ensure_editable
from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import Edition, EditionItem


def apply_overrides(
    edition: Edition,
    subject: str | None,
    intro: str | None,
    pinned: set[int],
    excluded: set[int],
) -> None:
    """Set the subject (kept when blank), the intro, and which items are pinned or excluded."""
    ensure_editable(edition)
    subject = " ".join((subject or "").split())
    if len(subject) > 300:
        raise InvalidInput("a subject has at most 300 characters")
    edition.subject = subject or edition.subject
    edition.intro = (intro or "").strip() or None
    for item in db.session.scalars(select(EditionItem).where(EditionItem.edition_id == edition.id)):
        item.is_excluded = item.id in excluded
        item.is_pinned = item.id in pinned
    db.session.flush()


def story_count(edition: Edition) -> int:
    """Stories a reader will see: representatives of their story that are not excluded."""
    return sum(1 for item in edition.items if item.is_representative and not item.is_excluded)
