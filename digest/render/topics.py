"""Which stories a reader's topics pick, and what she gets when they pick none.

A topic picks a story when the story's section has the topic's name (or had it: a section
an editor renamed keeps its other names as aliases), when the story's feed
categories include it, or when the topic's name or one of its keywords (the editor's keyword
section of the same name) is in the headline or summary: whole words, any case, simple
plurals ("Ferries" finds "ferry", "Bus" finds "buses"). Pinned stories reach every reader.
A reader whose topics pick no story of an edition gets the whole edition, with a line that
says so: a topic never means no mail at all.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from digest.render.snapshot import EditionView, SectionView, StoryView

# Words that end in "s" without being a plural (dropping the "s" would match another word).
NOT_PLURAL = frozenset({"news", "series", "species", "means", "always", "perhaps"})


def comparable_name(name: str) -> str:
    """A topic, section or category name compared across spellings: spaces, case, underscores."""
    return " ".join(name.replace("_", " ").split()).casefold()


def word_forms(word: str) -> set[str]:
    """A word with its simple plural and, when it looks plural, its likely singulars."""
    forms = {word, _plural(word)}
    if word in NOT_PLURAL or len(word) < 4 or word.endswith(("ss", "us", "is")):
        return forms
    if word.endswith("ies"):
        return forms | {word[:-3] + "y", word[:-1]}
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return forms | {word[:-2], word[:-1]}
    if word.endswith("s"):
        return forms | {word[:-1]}
    return forms


def _plural(word: str) -> str:
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def term_pattern(term: str) -> str | None:
    """A regular expression finding a term as whole words, its last word in any simple form."""
    words = term.casefold().split()
    if not words:
        return None
    last = "|".join(re.escape(form) for form in sorted(word_forms(words[-1])))
    lead = "".join(re.escape(word) + r"\s+" for word in words[:-1])
    return rf"(?<!\w){lead}(?:{last})(?!\w)"


@dataclass(frozen=True)
class TopicRule:
    """One topic, ready to test stories against."""

    name: str
    key: str
    pattern: re.Pattern[str] | None

    def picks(self, section: str, story: StoryView, aliases: Iterable[str] = ()) -> bool:
        """Whether this topic picks the story (placed in `section`, also named `aliases`)."""
        if any(comparable_name(name) == self.key for name in (section, *aliases)):
            return True
        if any(comparable_name(category) == self.key for category in story.topics):
            return True
        text = " ".join((story.title, *story.summary)).casefold()
        return self.pattern is not None and self.pattern.search(text) is not None


@lru_cache(maxsize=1024)
def topic_rule(name: str, keywords: tuple[str, ...] = ()) -> TopicRule:
    """The rule of a topic: its name and its keywords as whole words."""
    terms = [pattern for term in (name, *keywords) if (pattern := term_pattern(term))]
    pattern = re.compile("|".join(terms)) if terms else None
    return TopicRule(name, comparable_name(name), pattern)


def topic_rules(names: Iterable[str], keywords: Mapping[str, Iterable[str]]) -> list[TopicRule]:
    """The rules of these topics, each with the keywords of the section of its name."""
    by_key = {comparable_name(name): tuple(words) for name, words in keywords.items()}
    return [topic_rule(name, by_key.get(comparable_name(name), ())) for name in names]


def is_picked(rules: list[TopicRule], section: SectionView, story: StoryView) -> bool:
    return any(rule.picks(section.name, story, section.aliases) for rule in rules)


def select_topics(view: EditionView, topics: frozenset[str] | None) -> EditionView:
    """The edition a reader of these topics gets: the stories they pick and every pinned
    story; the whole edition, with `topic_notice` saying why, when they pick none."""
    if not topics:
        return view
    rules = topic_rules(sorted(topics, key=str.casefold), dict(view.topic_keywords))
    stories = [(section, story) for section in view.sections for story in section.stories]
    if not any(is_picked(rules, section, story) for section, story in stories):
        return dataclasses.replace(view, topic_notice=nothing_in_topics(rules))
    sections = tuple(
        dataclasses.replace(
            section,
            stories=tuple(
                story
                for story in section.stories
                if story.is_pinned or is_picked(rules, section, story)
            ),
        )
        for section in view.sections
    )
    return dataclasses.replace(view, sections=sections)


def nothing_in_topics(rules: list[TopicRule]) -> str:
    names = ", ".join(rule.name for rule in rules)
    return f"Nothing on {names} this time, so here is the whole edition."


def topics_without_stories(
    views: Iterable[EditionView], topics: list[str], keywords: Mapping[str, Iterable[str]]
) -> list[str]:
    """The topics, of those given, that pick no story of any of these editions."""
    rules = topic_rules(topics, keywords)
    stories = [(s, story) for view in views for s in view.sections for story in s.stories]
    return [rule.name for rule in rules if not any(is_picked([rule], s, st) for s, st in stories)]
