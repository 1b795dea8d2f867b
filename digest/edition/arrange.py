"""Shaping candidates into sections and stories, each with its summary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from digest.models import Article


@dataclass
class PlacedItem:
    article: Article
    story_key: int
    is_representative: bool
    section: str
    summary: list[str]


def arrange_items(articles: list[Article]) -> list[PlacedItem]:
    """Items in display order: sections, then stories, the representative first in each story."""
    try:  # TEMP until the summarize package lands
        from digest.summarize import summarize
    except ImportError:
        from digest.summarize.sentences import split_sentences

        def summarize(text, title=None):
            return split_sentences(text)[:3]

    stories: dict[int, list[Article]] = defaultdict(list)
    for article in articles:
        stories[article.story_id or -article.id].append(article)
    placed: list[PlacedItem] = []
    for key, members in stories.items():
        members.sort(key=_representative_rank)
        head = members[0]
        section = head.categories[0] if head.categories else head.source.name
        for index, article in enumerate(members):
            summary = summarize(article.text, article.title) if index == 0 else []
            placed.append(PlacedItem(article, key, index == 0, section, summary))
    placed.sort(key=lambda item: (item.section, item.story_key, not item.is_representative))
    return placed


def _representative_rank(article: Article) -> tuple:
    """Originals before reprints, full texts before teasers, longer before shorter."""
    return (article.origin is not None, article.is_teaser, -len(article.text))
