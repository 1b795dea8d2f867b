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

_GLUED = re.compile(r"([a-z0-9%)\]])([.!?][\"”’]?)(?=[\"“'‘]?[A-Z][a-z])")
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"(\S+?)[.!?…]+[\"'”’)\]]*\s+$")
_NEXT_WORD = re.compile(r"[\"'“‘(\[]?([A-Za-z]+)")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; newlines are paragraph breaks and always end a sentence."""
    sentences: list[str] = []
    for paragraph in text.splitlines():
        paragraph = " ".join(paragraph.split())
        if paragraph:
            sentences.extend(_split_paragraph(_GLUED.sub(r"\1\2 ", paragraph)))
    return sentences


def _split_paragraph(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        head = paragraph[start : match.end()]
        if _is_boundary(head, paragraph[match.end() : match.end() + 20]):
            pieces.append(head.strip())
            start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def _is_boundary(head: str, following: str) -> bool:
    """Whether the punctuation closing `head` ends a sentence, given the text after it."""
    last = _LAST_WORD.search(head[-40:])
    if last is None or not head.rstrip().endswith("."):
        return True
    word = last.group(1).lstrip("\"'“‘([").lower()
    next_match = _NEXT_WORD.match(following)
    next_word = next_match.group(1).lower() if next_match else ""
    if word in TITLES or (len(word) == 1 and word.isalpha()):
        return False
    if word in CLOSING_ABBREVIATIONS:
        return next_word in SENTENCE_STARTERS
    if word in ABBREVIATIONS:
        return False
    if "." in word and len(word) <= 6 and all(len(part) <= 2 for part in word.split(".")):
        return next_word in SENTENCE_STARTERS
    return True
