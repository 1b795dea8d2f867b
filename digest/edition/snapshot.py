"""The snapshot of an edition: what every subscriber's email is rendered from once it is frozen.

The format is documented (and read) in digest.render.snapshot. Links are
written by the same rule ingest stores them with (`web_url`): an article URL
that is not an absolute http(s) URL points at the item in the web archive.
"""

from __future__ import annotations

from collections import OrderedDict
from zoneinfo import ZoneInfo

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
        },
        "sections": _sections(edition, archive),
    }


def _sections(edition: Edition, archive: str) -> list[dict]:
    visible = [item for item in edition.items if not item.is_excluded]
    others: dict[int, list[str]] = {}
    for item in visible:
        if not item.is_representative:
            others.setdefault(item.story_key, []).append(item.article.source.name)
    sections: OrderedDict[str, list[dict]] = OrderedDict()
    ordered = sorted(visible, key=lambda item: (not item.is_pinned, item.position))
    for item in ordered:
        if item.is_representative:
            story = _story(item, others.get(item.story_key, []), archive)
            sections.setdefault(item.section, []).append(story)
    return [{"name": name, "stories": stories} for name, stories in sections.items()]


def _story(item: EditionItem, also: list[str], archive: str) -> dict:
    article = item.article
    return {
        "title": article.title,
        "url": web_url(article.canonical_url) or archive,
        "summary": list(item.summary),
        "source": article.origin or article.source.name,
        "image_url": web_url(article.image_url) if article.image_url else None,
        "image_alt": article.title,
        "also_covered_by": sorted(set(also) - {article.source.name}),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "topics": list(article.categories),
    }
