"""The web archive: which editions readers may see, and what each held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from digest.errors import NotFound
from digest.extensions import db
from digest.models import Edition, EditionStatus, Newsletter


@dataclass(frozen=True)
class ArchiveEntry:
    """One sent edition as the archive lists it."""

    edition: Edition
    subject: str
    sent_on: date
    story_count: int


def public_editions(
    newsletter: Newsletter, limit: int | None = None, *, with_private: bool = False
) -> list[Edition]:
    """Released, not cancelled, not private editions (private too if asked), newest first."""
    query = (
        select(Edition)
        .where(
            Edition.newsletter_id == newsletter.id,
            Edition.released_at.is_not(None),
            Edition.status != EditionStatus.CANCELLED,
        )
        .order_by(Edition.released_at.desc(), Edition.id.desc())
    )
    if not with_private:
        query = query.where(Edition.is_private.is_(False))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def latest_public_edition(newsletter: Newsletter) -> Edition | None:
    found = public_editions(newsletter, limit=1)
    return found[0] if found else None


def archive_entries(newsletter: Newsletter, *, with_private: bool = False) -> list[ArchiveEntry]:
    return [
        ArchiveEntry(edition, edition.subject, edition.released_at.date(), story_count(edition))
        for edition in public_editions(newsletter, with_private=with_private)
    ]


def story_count(edition: Edition) -> int:
    """Stories in the frozen snapshot (what readers got)."""
    sections = (edition.snapshot or {}).get("sections") or []
    return sum(len(section.get("stories") or []) for section in sections)


def neighbours(
    newsletter: Newsletter, edition: Edition, *, with_private: bool = False
) -> tuple[Edition | None, Edition | None]:
    """The archive's editions just older and just newer than `edition` (None at either end)."""
    editions = public_editions(newsletter, with_private=with_private)
    ids = [e.id for e in editions]
    if edition.id not in ids:
        return None, None
    at = ids.index(edition.id)
    older = editions[at + 1] if at + 1 < len(editions) else None
    newer = editions[at - 1] if at > 0 else None
    return older, newer


def public_edition(
    newsletter: Newsletter, edition_id: int, *, with_private: bool = False
) -> Edition:
    """A released edition of this newsletter, not private unless asked, or NotFound."""
    edition = db.session.get(Edition, edition_id)
    if (
        edition is None
        or edition.newsletter_id != newsletter.id
        or not edition.is_frozen
        or (edition.is_private and not with_private)
        or edition.status in (EditionStatus.DRAFT, EditionStatus.CANCELLED)
    ):
        raise NotFound("edition", edition_id)
    return edition


def set_private(edition: Edition, is_private: bool) -> None:
    """An admin hides an edition from the archive and feed (or shows it again)."""
    edition.is_private = is_private
    db.session.flush()
