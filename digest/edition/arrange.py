"""Shaping candidates into sections and stories, each story summarized once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.models import Article

if TYPE_CHECKING:
    from digest.group import StoryInput
    from digest.group.learned import ClickRates


@dataclass(frozen=True)
class SummaryLength:
    """The newsletter's summary length: at most `sentences` sentences and `words` words."""

    sentences: int = 2
    words: int | None = 55


@dataclass
class PlacedItem:
    article: Article
    story_key: int
    is_representative: bool
    section: str
    summary: list[str]


def arrange_items(
    articles: list[Article],
    sections: dict[str, list[str]] | None = None,
    length: SummaryLength = SummaryLength(),
    rates: ClickRates | None = None,
) -> list[PlacedItem]:
    """Items in display order: sections, then stories, the representative first in each story.

    Reprints found at ingest (same stored story) stay together; the grouping step then joins
    different reports of the same event and ranks stories and sections by importance. With
    `rates`, stories within each section go by readers' recent clicks instead.
    """
    # Grouping loads scikit-learn and SciPy: imported when an edition is built, so a web
    # worker or a sender that never builds one never pays for them.
    from digest.group import arrange_stories

    by_story = _stored_stories(articles)
    leaders = {group[0].id: group for group in by_story}
    layout = arrange_stories([_story_input(group[0]) for group in by_story], sections)
    if rates is not None:
        from digest.group.learned import order_by_clicks

        layout = order_by_clicks(layout, rates)
    placed: list[PlacedItem] = []
    for section in layout:
        for story in section.stories:
            members = [article for item in story.items for article in leaders[item.id]]
            placed.extend(_place_story(members, section.name, length))
    return placed


def _stored_stories(articles: list[Article]) -> list[list[Article]]:
    """Articles grouped by the story ingest gave them, the likeliest original first."""
    groups: dict[int, list[Article]] = defaultdict(list)
    for article in articles:
        groups[article.story_id or -article.id].append(article)
    return [sorted(group, key=_representative_rank) for group in groups.values()]


def _representative_rank(article: Article) -> tuple:
    """Originals before reprints, full texts before teasers, longer before shorter."""
    return (article.origin is not None, article.is_teaser, -len(article.text))


def _story_input(article: Article) -> StoryInput:
    from digest.group import StoryInput

    return StoryInput(
        id=article.id,
        title=article.title,
        text=article.text,
        source_name=article.source.name,
        url=article.canonical_url,
        published_at=article.published_at or article.fetched_at,
        source_weight=article.source.weight,
        origin=article.origin,
        text_length=len(article.text) - (2000 if article.is_teaser else 0),
        categories=tuple(article.categories),
    )


def _place_story(members: list[Article], section: str, length: SummaryLength) -> list[PlacedItem]:
    head = members[0]
    key = head.story_id or -head.id
    from digest.summarize import summarize

    summary = []
    if head.text:
        summary = summarize(head.text, head.title, length.sentences, max_words=length.words)
    first = PlacedItem(head, key, True, section, summary)
    return [first] + [PlacedItem(a, key, False, section, []) for a in members[1:]]
