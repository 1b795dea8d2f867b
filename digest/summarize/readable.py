"""What makes a sentence unfit to stand where a summary would put it.

A summary is read without the article around it: a sentence that leans on the one before it
("He said...", "But the plan...") reads as a riddle when that one is left out, and a sentence
that only restates the headline wastes the reader's first line.
"""

import re
from functools import lru_cache

# Openings that point back to a sentence before: pronouns, connectives, "He said".
_LEANS_BACK = re.compile(
    r"^[\"'\u201c\u2018(]*(?:"
    r"(?:he|she|it|they|them|his|her|hers|its|their|theirs|him|we|us|our)\b"
    r"|(?:but|however|and|or|so|yet|also|still|instead|meanwhile|nevertheless|nonetheless|"
    r"moreover|furthermore|besides|otherwise|therefore|thus|hence|then|too|likewise|"
    r"similarly|indeed|again|even so|in addition|as a result|by contrast|in contrast|"
    r"on the other hand|at the same time|that is why|this is why)\b"
    r"|(?:this|these|those|that|such)\b(?!\s+(?:week|weekend|year|month|morning|afternoon|"
    r"evening|season|summer|winter|spring|autumn|time)\b)"
    r"|(?:the (?:former|latter|same)|both|neither|another|the other)\b"
    r")",
    re.I,
)
_WORD = re.compile(r"[a-z0-9]+")
HEADLINE_OVERLAP = 0.8  # share of a sentence's words that are the headline's, at most
HEADLINE_EXTRA_WORDS = 4  # words a sentence may add to the headline and still repeat it


def leans_back(sentence: str) -> bool:
    """Whether the sentence opens with words that need the sentence before it."""
    return bool(_LEANS_BACK.match(sentence.strip()))


def repeats_headline(sentence: str, title: str | None) -> bool:
    """Whether the sentence is the headline again (alone, or with a few words around it)."""
    if not title:
        return False
    heading = _headline_words(title)
    words = _WORD.findall(sentence.lower())
    if not heading or not words or len(words) > len(heading) + HEADLINE_EXTRA_WORDS:
        return False
    shared = sum(1 for word in words if word in heading)
    return shared >= HEADLINE_OVERLAP * len(words) and shared >= HEADLINE_OVERLAP * len(heading)


@lru_cache(maxsize=256)
def _headline_words(title: str) -> frozenset[str]:
    return frozenset(_WORD.findall(title.lower()))
