"""Stories within a section ordered by how often readers clicked their source and section.

Pure: the click history comes in as plain numbers (digest.deliver.rates reads it), the layout
goes out reordered. Only the order of stories inside a section changes; sections, and which
stories are in them, stay as the layout made them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from digest.group.layout import SectionOut, StoryOut

# How many stories' worth of evidence the section's rate counts for in a source's rate.
PRIOR_STORIES = 10


@dataclass(frozen=True)
class Clicked:
    """Human clicks on some stories, and the readers those stories reached (summed story by
    story: a story sent to 1,000 readers reached 1,000)."""

    clicks: int = 0
    reached: int = 0


@dataclass(frozen=True)
class ClickRates:
    """A newsletter's recent click history by source and by section, and how many readers an
    edition reached on average (what turns a number of stories into readers reached)."""

    sources: Mapping[str, Clicked] = field(default_factory=dict)
    sections: Mapping[str, Clicked] = field(default_factory=dict)
    readers: float = 0.0

    @property
    def is_empty(self) -> bool:
        """Nothing to learn from: no story reached a reader in the period."""
        return not any(c.reached for c in self.sections.values())

    def story_rate(self, source: str, section: str) -> float:
        """The expected human clicks per reader of a story from `source` in `section`.

        A smoothed rate, not the raw one: a source's own clicks are blended with its section's
        rate as if the section had shown PRIOR_STORIES stories of its own, and the section's
        with the newsletter's overall rate the same way:

            section = (clicks_section + W * overall) / (reached_section + W)
            story   = (clicks_source + W * section) / (reached_source + W)
            W       = PRIOR_STORIES * readers an edition reaches

        Readers' clicks vary far more from one story to the next than from one reader to the
        next: one lucky headline makes a source's raw rate soar. Weighing the evidence in
        stories means a source with three stories is mostly judged by its section and earns its
        own rate as its stories add up (at ten stories it counts half), while a new source, with
        no history, sits at its section's rate instead of at the top or the bottom.
        """
        weight = PRIOR_STORIES * self.readers
        overall = _rate(_sum(self.sections.values()), 0.0, 0.0)
        section_rate = _rate(self.sections.get(section, Clicked()), overall, weight)
        return _rate(self.sources.get(source, Clicked()), section_rate, weight)


def order_by_clicks(layout: list[SectionOut], rates: ClickRates) -> list[SectionOut]:
    """The layout with each section's stories by their expected click rate, highest first;
    stories with the same rate keep the layout's order (its importance ranking)."""
    return [
        SectionOut(
            section.name,
            sorted(section.stories, key=lambda story: -_expected(story, section.name, rates)),
            section.score,
        )
        for section in layout
    ]


def story_source(story: StoryOut) -> str:
    """The name a story's source has in the click history: where it first appeared, else the
    source it came from (what the mail shows)."""
    item = story.representative
    return item.origin or item.source_name


def _expected(story: StoryOut, section: str, rates: ClickRates) -> float:
    return rates.story_rate(story_source(story), section)


def _rate(clicked: Clicked, prior: float, weight: float) -> float:
    if clicked.reached + weight <= 0:
        return prior
    return (clicked.clicks + weight * prior) / (clicked.reached + weight)


def _sum(values) -> Clicked:
    clicks = reached = 0
    for c in values:
        clicks += c.clicks
        reached += c.reached
    return Clicked(clicks, reached)
