"""Rule-based sentence splitting for news text: no downloaded models, linear time."""

import re

# Words that end with a full stop but rarely end a sentence.
TITLES = frozenset(
    """
    mr mrs ms dr prof rev st sr jr gen lt col capt sgt cpl maj adm gov sen rep hon pres
    supt insp det cmdr fr sir messrs mt ft
    """.split()  # noqa: SIM905
)
ABBREVIATIONS = frozenset(
    """
    vs etc al approx dept est fig jan feb mar apr jun jul aug sep sept oct nov dec no
    nos vol pp ca cf ie eg e.g i.e a.m p.m u.s u.k u.n u.s.a e.u d.c inc ltd co corp
    bros plc llc assn univ ave blvd rd
    """.split()  # noqa: SIM905
)
# Abbreviations that often close a sentence ("... bought by Apple Inc. The deal ...").
CLOSING_ABBREVIATIONS = frozenset(
    """
    etc inc ltd co corp plc llc u.s u.k u.n u.s.a e.u d.c a.m p.m
    """.split()  # noqa: SIM905
)
SENTENCE_STARTERS = frozenset(
    """
    the a an he she it its they we i you his her their our this that these those there
    but and or so yet if in on at for from by with as after before when while although
    however meanwhile also still then now what who why how mr mrs ms dr some many most
    one two three last next
    """.split()  # noqa: SIM905
)
# Every word before a full stop that needs a closer look (all others end a sentence).
_SUSPECTS = TITLES | ABBREVIATIONS

# A stop glued to the next sentence ("story.Next"); starts at the stop so the scan is fast.
_GLUED = re.compile(r"[.!?](?<=[a-z0-9%)\]].)[\"”’]?(?=[\"“'‘]?[A-Z][a-z])")
# A candidate boundary: closing punctuation, then space, capturing the capitalised next word.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?([A-Z0-9][A-Za-z]*))")
_OPENERS = "\"'“‘(["


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; newlines are paragraph breaks and always end a sentence."""
    sentences: list[str] = []
    for paragraph in text.splitlines():
        paragraph = " ".join(paragraph.split())
        if paragraph:
            sentences.extend(_split_paragraph(_GLUED.sub(r"\g<0> ", paragraph)))
    return sentences


def _split_paragraph(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        stop = match.start()
        closing = paragraph[stop : match.end()].rstrip()
        if closing[-1] != "." or _is_boundary(_word_before(paragraph, stop), match.group(1)):
            pieces.append(paragraph[start : stop + len(closing)])
            start = match.end()
    if start < len(paragraph):
        pieces.append(paragraph[start:])
    return pieces


def _word_before(paragraph: str, stop: int) -> str:
    return paragraph[paragraph.rfind(" ", 0, stop) + 1 : stop]


def _is_boundary(word: str, following: str) -> bool:
    """Whether a full stop after `word` ends a sentence, given the capitalised word after it."""
    word = word.lstrip(_OPENERS).lower()
    if len(word) > 6 and word not in _SUSPECTS:
        return True
    if word in TITLES or (len(word) == 1 and word.isalpha()):
        return False
    if word in CLOSING_ABBREVIATIONS:
        return following.lower() in SENTENCE_STARTERS
    if word in ABBREVIATIONS:
        return False
    if "." in word and len(word) <= 6 and all(len(part) <= 2 for part in word.split(".")):
        return following.lower() in SENTENCE_STARTERS
    return True
