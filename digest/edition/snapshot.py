"""The frozen snapshot of an edition: what every subscriber's email is rendered from."""

from __future__ import annotations

from collections import OrderedDict
from zoneinfo import ZoneInfo

from flask import current_app

from digest.models import Edition, EditionItem


def archive_url(edition: Edition) -> str:
    base = current_app.config["BASE_URL"]
    return f"{base}/archive/{edition.newsletter.slug}/{edition.id}"


def make_snapshot(edition: Edition) -> dict:
    """A JSON-compatible dict of the edition as it will be sent (see digest.render.snapshot)."""
    newsletter = edition.newsletter
    local_date = edition.slot.astimezone(ZoneInfo(newsletter.timezone)).date()
    return {
        "newsletter": {
            "slug": newsletter.slug,
            "title": newsletter.title,
            "lang": "en",
            "postal_address": current_app.config["POSTAL_ADDRESS"] or None,
        },
        "edition": {
            "id": edition.id,
            "subject": edition.subject,
            "intro": edition.intro,
            "date": local_date.isoformat(),
            "archive_url": archive_url(edition),
            "more_url": archive_url(edition),
        },
        "sections": _sections(edition),
    }


def _sections(edition: Edition) -> list[dict]:
    visible = [item for item in edition.items if not item.is_excluded]
    others: dict[int, list[str]] = {}
    for item in visible:
        if not item.is_representative:
            others.setdefault(item.story_key, []).append(item.article.source.name)
    sections: OrderedDict[str, list[dict]] = OrderedDict()
    ordered = sorted(visible, key=lambda item: (not item.is_pinned, item.position))
    for item in ordered:
        if item.is_representative:
            story = _story(edition, item, others.get(item.story_key, []))
            sections.setdefault(item.section, []).append(story)
    return [{"name": name, "stories": stories} for name, stories in sections.items()]


def _story(edition: Edition, item: EditionItem, also: list[str]) -> dict:
    article = item.article
    url = article.canonical_url
    if not url.startswith(("http://", "https://")):
        url = f"{archive_url(edition)}#item-{item.id}"
    return {
        "title": article.title,
        "url": url,
        "summary": list(item.summary),
        "source": article.origin or article.source.name,
        "image_url": article.image_url,
        "image_alt": article.title,
        "also_covered_by": sorted(set(also) - {article.source.name}),
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "topics": list(article.categories),
    }
