"""Stories already sent: which new stories report an event an earlier edition carried, and
which of those add enough new facts to go out once more, as an update.

"The same event" is the grouping's own test (cluster_stories over the sent stories and the
new ones together), so a second source's version of a story sent last week is caught as a
repeat however it is worded. A new version is an update when at least MIN_NEW_FACTS of its
sentences are new: most of their words appear in no sent version, and each brings a number
or a name none of them had. An event goes out as an update at most once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from digest.group.stories import cluster_stories
from digest.summarize.sentences import split_sentences

MIN_NEW_FACTS = 2  # new sentences that make a version an update
NEW_WORD_SHARE = 0.5  # share of a sentence's words no sent version had, for it to be new
MIN_SENTENCE_WORDS = 6  # shorter sentences (captions, sign-offs) never count as facts
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class SentStory:
    """A story that went out: its words, the edition it went out in, and whether as an update."""

    title: str
    text: str
    edition_id: int
    was_update: bool = False


@dataclass(frozen=True)
class Repeat:
    """A new story's event went out before: in which edition first, and whether this version
    adds enough (`new_facts`) to go out again as an update."""

    edition_id: int
    is_update: bool
    new_facts: tuple[str, ...] = ()


def find_repeats(new: list[dict], sent: list[SentStory]) -> list[Repeat | None]:
    """For each new story (dict with title and text): a Repeat when its event was sent."""
    if not new or not sent:
        return [None] * len(new)
    documents = [{"title": s.title, "text": s.text} for s in sent] + [
        {"title": story.get("title") or "", "text": story.get("text") or ""} for story in new
    ]
    labels = cluster_stories(documents)
    sent_labels, new_labels = labels[: len(sent)], labels[len(sent) :]
    result: list[Repeat | None] = []
    for story, label in zip(new, new_labels, strict=True):
        earlier = [s for s, other in zip(sent, sent_labels, strict=True) if other == label]
        result.append(_judge(story, earlier) if earlier else None)
    return result


def _judge(story: dict, earlier: list[SentStory]) -> Repeat:
    first = min(s.edition_id for s in earlier)
    if any(s.was_update for s in earlier):
        return Repeat(first, False)
    facts = new_facts(story.get("text") or "", [f"{s.title} {s.text}" for s in earlier])
    return Repeat(first, len(facts) >= MIN_NEW_FACTS, tuple(facts))


def new_facts(text: str, sent_texts: list[str]) -> list[str]:
    """Sentences of `text` that tell what no sent version told: mostly new words, and a number
    or a name (a capitalised word past the first) none of them had."""
    known: set[str] = set()
    for sent_text in sent_texts:
        known.update(word.casefold() for word in _WORD.findall(sent_text))
    found = []
    for sentence in split_sentences(text):
        every = _WORD.findall(sentence)
        words = [w for w in every if w.casefold() not in ENGLISH_STOP_WORDS]
        if len(words) < MIN_SENTENCE_WORDS:
            continue
        unknown = [w for w in words if w.casefold() not in known]
        specific = [w for w in unknown if _NUMBER.search(w) or (w[0].isupper() and w != every[0])]
        if len(unknown) >= NEW_WORD_SHARE * len(words) and specific:
            found.append(sentence)
    return found
