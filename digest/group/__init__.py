"""Group articles: same-event stories, topic sections and the digest layout (pure functions)."""

from digest.group.layout import SectionOut, StoryInput, StoryOut, arrange_stories
from digest.group.sections import assign_sections
from digest.group.stories import cluster_stories

__all__ = [
    "SectionOut",
    "StoryInput",
    "StoryOut",
    "arrange_stories",
    "assign_sections",
    "cluster_stories",
]
