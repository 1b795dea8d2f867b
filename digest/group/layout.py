"""The digest layout: items grouped into stories, stories into sections, both ranked."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from digest.group.sections import assign_sections
from digest.group.stories import cluster_stories

RECENCY_HALF_LIFE_HOURS = 24.0


@dataclass(frozen=True)
class StoryInput:
    """One article offered to the edition."""

    id: int | str
    title: str
    text: str = ""
    summary: str = ""
    source_name: str = ""
    url: str = ""
    published_at: datetime | None = None
    source_weight: float = 1.0
    origin: str | None = None  # where the article says it first appeared, if elsewhere
    text_length: int | None = None  # defaults to len(text)
    categories: tuple[str, ...] = ()

    @property
    def is_reprint(self) -> bool:
        return bool(self.origin)

    @property
    def length(self) -> int:
        return len(self.text) if self.text_length is None else self.text_length


@dataclass
class StoryOut:
    """A story: the item to show, the other items about the same event, and its rank score."""

    representative: StoryInput
    others: list[StoryInput] = field(default_factory=list)
    score: float = 0.0

    @property
    def also_covered_by(self) -> list[str]:
        """Distinct source names of the other items, e.g. ["The Guardian", "Reuters"]."""
        seen = {self.representative.source_name}
        names = []
        for item in self.others:
            if item.source_name and item.source_name not in seen:
                seen.add(item.source_name)
                names.append(item.source_name)
        return names

    @property
    def items(self) -> list[StoryInput]:
        return [self.representative, *self.others]


@dataclass
class SectionOut:
    """A named section with its stories, most important first."""

    name: str
    stories: list[StoryOut] = field(default_factory=list)
    score: float = 0.0


def arrange_stories(
    items: list[StoryInput], sections: dict[str, list[str]] | None = None
) -> list[SectionOut]:
    """Lay out a digest: every item appears exactly once, inside one story of one section.

    Items about the same event form a story. Its representative is an original rather than
    a reprint, then the fuller text, then the heavier source, then the newer item. A story
    scores the summed source weights of its items times a recency factor (halved every
    24 hours behind the newest item); stories are ranked by score and sections by the sum
    of their stories' scores. Section names follow `assign_sections`: the editor's keyword
    `sections` first, then the feed categories, then learned topics.
    """
    if not items:
        return []
    stories = [_build_story(group, _newest(items)) for group in _group_items(items)]
    names = assign_sections([_section_fields(story) for story in stories], sections)
    by_name: dict[str, list[StoryOut]] = defaultdict(list)
    for name, story in zip(names, stories, strict=True):
        by_name[name].append(story)
    result = [_build_section(name, members) for name, members in by_name.items()]
    return sorted(result, key=lambda section: (-section.score, section.name))


def _group_items(items: list[StoryInput]) -> list[list[StoryInput]]:
    labels = cluster_stories([{"title": item.title, "text": item.text} for item in items])
    groups: dict[int, list[StoryInput]] = defaultdict(list)
    for label, item in zip(labels, items, strict=True):
        groups[label].append(item)
    return list(groups.values())


def _build_story(group: list[StoryInput], newest: datetime | None) -> StoryOut:
    ranked = sorted(group, key=_representative_key, reverse=True)
    weight = sum(item.source_weight for item in group)
    return StoryOut(ranked[0], ranked[1:], weight * _recency(ranked, newest))


def _representative_key(item: StoryInput) -> tuple:
    published = item.published_at.timestamp() if item.published_at else float("-inf")
    return (not item.is_reprint, item.length, item.source_weight, published)


def _recency(group: list[StoryInput], newest: datetime | None) -> float:
    dates = [item.published_at for item in group if item.published_at]
    if not dates or newest is None:
        return 1.0
    hours = max((newest - max(dates)).total_seconds() / 3600.0, 0.0)
    return math.pow(0.5, hours / RECENCY_HALF_LIFE_HOURS)


def _newest(items: list[StoryInput]) -> datetime | None:
    dates = [item.published_at for item in items if item.published_at]
    return max(dates) if dates else None


def _section_fields(story: StoryOut) -> dict:
    """The representative's words, and the categories every source of the story gave it."""
    item = story.representative
    categories = [category for member in story.items for category in member.categories]
    return {"title": item.title, "text": item.text, "categories": categories}


def _build_section(name: str, stories: list[StoryOut]) -> SectionOut:
    ordered = sorted(stories, key=lambda story: -story.score)
    return SectionOut(name, ordered, sum(story.score for story in stories))
