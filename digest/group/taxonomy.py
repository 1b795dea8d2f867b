"""Section names a newspaper prints ("Sport", "Business", "Politics"), from a shipped taxonomy.

The topics, with the feed categories that mean them and the words typical of their stories,
live in taxonomy.json beside this module (modelled on the IPTC Media Topics top level,
written for digest, never fitted to an evaluation set). A group of stories takes a topic's
name only when the topic clearly leads: enough of its stories vote for it, and by a margin
over the runner-up. The thresholds were chosen by cross-validation (bench/sections.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.json")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
LONGEST_TERM = 3  # words in the longest phrase of the term lists


@dataclass(frozen=True)
class NamingSettings:
    """When a group's stories name it; the defaults are the cross-validated choice."""

    min_hits: int = 3  # term hits (a headline hit counts twice) an article needs to vote
    min_share: float = 0.4  # share of the group's articles voting for the leading topic
    margin: float = 0.2  # lead of that share over the runner-up's


DEFAULT_NAMING = NamingSettings()


@dataclass(frozen=True)
class Taxonomy:
    names: tuple[str, ...]
    terms: dict[str, tuple[int, ...]]  # a word or phrase -> the topics it belongs to
    categories: dict[str, int]  # a feed category, folded -> its topic


@cache
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """The shipped taxonomy, read once."""
    topics = json.loads(path.read_text(encoding="utf-8"))["topics"]
    terms: dict[str, set[int]] = {}
    categories: dict[str, int] = {}
    for index, topic in enumerate(topics):
        for term in topic["terms"]:
            for form in _forms(term.lower()):
                terms.setdefault(form, set()).add(index)
        for category in topic["categories"]:
            categories.setdefault(fold_category(category), index)
    return Taxonomy(
        tuple(topic["name"] for topic in topics),
        {term: tuple(sorted(found)) for term, found in terms.items()},
        categories,
    )


def _forms(term: str) -> tuple[str, ...]:
    """The term and its plural, so the lists need not spell both."""
    return (term, term + "s", term + "es")


def fold_category(category: str) -> str:
    return " ".join(_WORD.findall(str(category).lower().replace("_", " ")))


def category_topic(category: str) -> str | None:
    """The taxonomy's name for a feed category: "sports" -> "Sport", "economy" -> "Business"."""
    taxonomy = load_taxonomy()
    index = taxonomy.categories.get(fold_category(category))
    return None if index is None else taxonomy.names[index]


def topic_hits(title: str, text: str) -> Counter[int]:
    """Term hits per topic; a headline hit counts twice."""
    hits: Counter[int] = Counter()
    for weight, part in ((2, title), (1, text)):
        words = _WORD.findall(part.lower())
        for size in range(1, LONGEST_TERM + 1):
            for start in range(len(words) - size + 1):
                for topic in load_taxonomy().terms.get(" ".join(words[start : start + size]), ()):
                    hits[topic] += weight
    return hits


def article_vote(article: dict, settings: NamingSettings = DEFAULT_NAMING) -> int | None:
    """The topic an article clearly belongs to (the most hits, no tie, enough hits), if any."""
    return vote_of(topic_hits(article.get("title") or "", article.get("text") or ""), settings)


def vote_of(hits: Counter[int], settings: NamingSettings = DEFAULT_NAMING) -> int | None:
    """The topic with the most hits, when it has enough and no other ties it."""
    ranked = hits.most_common(2)
    if not ranked or ranked[0][1] < settings.min_hits:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]


def group_topic(votes: list[int | None], settings: NamingSettings = DEFAULT_NAMING) -> str | None:
    """The taxonomy name of a group whose articles voted `votes`, when one topic clearly leads."""
    if not votes:
        return None
    counts = Counter(vote for vote in votes if vote is not None).most_common(2)
    if not counts:
        return None
    lead = counts[0][1] / len(votes)
    runner_up = counts[1][1] / len(votes) if len(counts) > 1 else 0.0
    if lead < settings.min_share or lead - runner_up < settings.margin:
        return None
    return load_taxonomy().names[counts[0][0]]
