"""The topics a reader may follow: the names they see as sections in the email.

A newsletter's topics are its keyword sections (set by the editor), the sections
its recent editions actually had, and the categories its feeds gave recent
articles. When the admin set `Newsletter.topic_choices`, only those are offered.
"""

from __future__ import annotations

from sqlalchemy import select

from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import Article, EditionItem, Newsletter, Source

RECENT_ITEMS = 500  # edition items and articles looked at for section and category names
TOPIC_CHARS = 80


class UnknownTopics(InvalidInput):
    """Topics the newsletter does not offer."""

    def __init__(self, topics: list[str]):
        super().__init__(f"not a topic of this newsletter: {', '.join(topics)}")
        self.topics = topics


def newsletter_topics(newsletter: Newsletter) -> list[str]:
    """The topics offered to readers, in a stable order (the admin's, else alphabetical)."""
    if newsletter.topic_choices:
        return _unique(newsletter.topic_choices)
    return sorted(_found_topics(newsletter), key=str.casefold)


def _found_topics(newsletter: Newsletter) -> list[str]:
    names = list((newsletter.sections or {}).keys())
    names += db.session.scalars(
        select(EditionItem.section)
        .where(EditionItem.newsletter_id == newsletter.id)
        .order_by(EditionItem.id.desc())
        .limit(RECENT_ITEMS)
    )
    categories = db.session.scalars(
        select(Article.categories)
        .join(Source, Source.id == Article.source_id)
        .where(Source.newsletter_id == newsletter.id)
        .order_by(Article.id.desc())
        .limit(RECENT_ITEMS)
    )
    for listed in categories:
        names += [c for c in listed or [] if isinstance(c, str)]
    return _unique(names)


def _unique(names: list[str]) -> list[str]:
    """Names with their spaces tidied, first spelling of each kept, case-insensitively."""
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:TOPIC_CHARS]
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def choose_topics(newsletter: Newsletter, chosen: list[str] | None) -> list[str]:
    """The chosen topics in the newsletter's own spelling; UnknownTopics for any it lacks."""
    known, unknown = split_offered(newsletter_topics(newsletter), chosen or [])
    if unknown:
        raise UnknownTopics(unknown)
    return known


def split_offered(offered: list[str], chosen: list[str]) -> tuple[list[str], list[str]]:
    """The chosen topics that are offered (in the offered spelling), and those that are not."""
    by_key = {topic.casefold(): topic for topic in offered}
    picked = _unique(chosen)
    known = [by_key[topic.casefold()] for topic in picked if topic.casefold() in by_key]
    return known, [topic for topic in picked if topic.casefold() not in by_key]
