"""The snapshot of an edition: what every subscriber's email is rendered from once it is frozen.

The format is documented (and read) in digest.render.snapshot. Links are
written by the same rule ingest stores them with (`web_url`): an article with
no absolute http(s) URL (an imported file) gets no link at all. The editor's
headline and summary replace the article's; images follow Newsletter.show_images. The
editor's keyword sections are frozen too: a reader's topic of that name picks those words.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from zoneinfo import ZoneInfo

from sqlalchemy import select

from digest.audience.topics import built_name, renamed_sections
from digest.extensions import db
from digest.ingest.canonical import web_url
from digest.links import archive_url
from digest.models import Edition, EditionItem
from digest.settings import EditionSettings


def edition_archive_url(edition: Edition, settings: EditionSettings) -> str:
    return archive_url(settings.base_url, edition.newsletter.slug, edition.id)


def make_snapshot(edition: Edition, settings: EditionSettings) -> dict:
    """A JSON-compatible dict of the edition as it will be sent."""
    newsletter = edition.newsletter
    local_date = edition.slot.astimezone(ZoneInfo(newsletter.timezone)).date()
    archive = edition_archive_url(edition, settings)
    return {
        "newsletter": {
            "slug": newsletter.slug,
            "title": newsletter.title,
            "lang": "en",
            "postal_address": edition.newsletter.postal_address or settings.postal_address,
        },
        "edition": {
            "id": edition.id,
            "subject": edition.subject,
            "intro": edition.intro,
            "date": local_date.isoformat(),
            "archive_url": archive,
            "more_url": archive,
            "preheader": edition.preheader,
            "is_first": is_first_edition(edition),
        },
        "sections": _sections(edition, newsletter.show_images),
        "topics": [
            {"name": name, "keywords": list(keywords)}
            for name, keywords in (newsletter.sections or {}).items()
        ],
    }


def is_first_edition(edition: Edition) -> bool:
    """Whether no other edition of the newsletter went out before this one."""
    earlier = db.session.scalar(
        select(Edition.id)
        .where(
            Edition.newsletter_id == edition.newsletter_id,
            Edition.id != edition.id,
            Edition.released_at.is_not(None),
        )
        .limit(1)
    )
    return earlier is None


WORDS_PER_MINUTE = 230


def reading_minutes(text: str, is_teaser: bool = False) -> int | None:
    """Minutes to read the article at 230 words a minute; None for a teaser (length unknown)."""
    if is_teaser or not text.strip():
        return None
    return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))


def ordered_sections(edition: Edition) -> list[tuple[str, list[EditionItem]]]:
    """(section, representative items) as readers see them: pinned first, then by position."""
    sections: OrderedDict[str, list[EditionItem]] = OrderedDict()
    ordered = sorted(edition.items, key=lambda item: (not item.is_pinned, item.position))
    for item in ordered:
        if item.is_representative:
            sections.setdefault(item.section, []).append(item)
    return list(sections.items())


def _sections(edition: Edition, show_images: bool) -> list[dict]:
    others: dict[int, list[str]] = {}
    for item in edition.items:
        if not item.is_representative and not item.is_excluded:
            others.setdefault(item.story_key, []).append(item.article.source.name)
    sections = []
    ordered = ordered_sections(edition)
    aliases = _aliases(edition, [name for name, _ in ordered])
    for name, items in ordered:
        stories = [
            _story(item, others.get(item.story_key, []), show_images)
            for item in items
            if not item.is_excluded
        ]
        if stories:
            sections.append({"name": name, "aliases": aliases[name], "stories": stories})
    return sections


def _aliases(edition: Edition, names: list[str]) -> dict[str, list[str]]:
    """Each section's other names: the one it was built with when the editor renamed it, and
    those it had in other editions; a reader who chose one of them follows it."""
    renamed = renamed_sections(edition.newsletter_id)
    aliases = {}
    for name in names:
        built = built_name(name, edition.section_renames)
        others = {built, *renamed.get(built, ())} - set(names)
        aliases[name] = sorted(others)
    return aliases


def _story(item: EditionItem, also: list[str], show_images: bool) -> dict:
    article = item.article
    image = web_url(article.image_url) if show_images and article.image_url else None
    return {
        "title": item.headline,
        "url": web_url(article.canonical_url),
        "summary": [item.summary_override] if item.summary_override else list(item.summary),
        "source": article.origin or article.source.name,
        "image_url": image,
        "image_alt": item.headline if image else None,
        "reading_minutes": reading_minutes(article.text, article.is_teaser),
        "also_covered_by": sorted(set(also) - {article.source.name}),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "topics": list(article.categories),
        "is_pinned": item.is_pinned,
        "is_update": item.repeat_of is not None,
    }
