"""The topics a reader may follow: the names they see as sections in the email.

A newsletter's topics are its keyword sections (set by the editor), the sections
its recent editions actually had, and the categories its feeds gave recent
articles. When the admin set `Newsletter.topic_choices`, only those are offered.

A section an editor renamed in an edition stays the topic it was built as ("Transport",
shown once as "Getting around"): the new name is that edition's heading, not another topic.
Its other names are aliases, so a reader who chose one of them keeps her choice.
"""

from __future__ import annotations

from sqlalchemy import select

from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import Article, Edition, EditionItem, Newsletter, Source

RECENT_ITEMS = 500  # edition items and articles looked at for section and category names
RECENT_RENAMES = 50  # editions with renamed sections looked at for a section's other names
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
    sections = db.session.execute(
        select(EditionItem.section, Edition.section_renames)
        .join(Edition, Edition.id == EditionItem.edition_id)
        .where(EditionItem.newsletter_id == newsletter.id)
        .order_by(EditionItem.id.desc())
        .limit(RECENT_ITEMS)
    )
    names += [built_name(section, renames) for section, renames in sections]
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


def built_name(shown: str, renames: dict | None) -> str:
    """The name a section was built with, given the name it has in an edition and the
    edition's renames ({"built name": "shown name"})."""
    return next((built for built, name in (renames or {}).items() if name == shown), shown)


def renamed_sections(newsletter_id: int) -> dict[str, set[str]]:
    """Each section an editor renamed in the newsletter's recent editions, by the name it was
    built with: the names it was shown under instead."""
    found: dict[str, set[str]] = {}
    for renames in db.session.scalars(
        select(Edition.section_renames)
        .where(Edition.newsletter_id == newsletter_id, Edition.section_renames.is_not(None))
        .order_by(Edition.id.desc())
        .limit(RECENT_RENAMES)
    ):
        for built, shown in (renames or {}).items():
            found.setdefault(built, set()).add(shown)
    return found


def topic_aliases(newsletter: Newsletter, offered: list[str]) -> dict[str, str]:
    """A renamed section's other names, by their comparable spelling, to the offered topic
    it stays; a name that is a topic of its own is no alias."""
    by_key = {topic.casefold(): topic for topic in offered}
    return {
        shown.casefold(): by_key[built.casefold()]
        for built, names in renamed_sections(newsletter.id).items()
        if built.casefold() in by_key
        for shown in names
        if shown.casefold() not in by_key
    }


def _unique(names: list[str]) -> list[str]:
    """Names with their spaces tidied, first spelling of each kept, case-insensitively."""
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:TOPIC_CHARS]
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def choose_topics(newsletter: Newsletter, chosen: list[str] | None) -> list[str]:
    """The chosen topics in the newsletter's own spelling (a renamed section's other name as
    the topic it stays); UnknownTopics for any it lacks."""
    offered = newsletter_topics(newsletter)
    known, unknown = split_offered(offered, chosen or [], topic_aliases(newsletter, offered))
    if unknown:
        raise UnknownTopics(unknown)
    return known


def split_offered(
    offered: list[str], chosen: list[str], aliases: dict[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """The chosen topics that are offered (in the offered spelling, an alias as its topic),
    and those that are not."""
    by_key = {**(aliases or {}), **{topic.casefold(): topic for topic in offered}}
    picked = _unique(chosen)
    known = _unique([by_key[topic.casefold()] for topic in picked if topic.casefold() in by_key])
    return known, [topic for topic in picked if topic.casefold() not in by_key]
