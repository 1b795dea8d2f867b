"""Turn scraped text and HTML into clean article text: titles, paragraphs, no site trailer.

Boilerplate is recognised two ways: by shape (sponsor lines, credits, share prompts,
copyright, a site blurb after "This article first appeared on X") and by repetition
(BoilerplateLearner: lines one source repeats in many of its articles).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from digest.ingest.markup import (
    clean_title,
    html_to_raw_text,
    html_to_text,
    normalize_text,
    sanitize_html,
    split_paragraphs,
)
from digest.ingest.types import RawArticle

__all__ = [
    "BoilerplateLearner",
    "clean_article_text",
    "clean_title",
    "html_to_raw_text",
    "html_to_text",
    "normalize_text",
    "parse_text_article",
    "sanitize_html",
    "split_paragraphs",
    "strip_boilerplate",
    "strip_learned",
]

TITLE_MAX_CHARS = 250

# Attribution lines: the publication they name is the article's origin (see find_origin).
_PIECE = r"(?:article|story|post|piece|report|column|essay|interview|feature|content)"
_ORIGIN_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        # "This article first appeared on X", "This story was originally published by X"
        rf"^(?:this|the original|the original version of this) {_PIECE} (?:was |is |has been )?"
        r"(?:first |originally )?(?:appeared|published|posted|ran|printed|reported)"
        r"(?: first| originally)?(?: on| in| at| by)?\s+(?P<name>.+)$",
        # "Originally published at X", "First appeared in X", "Originally posted on X"
        r"^(?:was |is )?(?:first|originally) (?:appeared|published|posted|printed|ran)"
        r"(?: on| in| at| by)\s+(?P<name>.+)$",
        # "A version of this article appeared in X"
        rf"^an? (?:earlier |shorter |longer )?version of this {_PIECE} (?:first |originally )?"
        r"(?:appeared|was published|ran|was posted) (?:on|in|at|by)\s+(?P<name>.+)$",
        # "Reprinted with permission from X", "This piece is republished from X"
        rf"^(?:this {_PIECE} (?:is|was|has been) )?(?:republished|reprinted|syndicated|"
        r"reproduced|reposted|cross-?posted)(?: here)?"
        r"(?: with (?:kind )?permission)?(?: from| by| of| courtesy of)\s+(?P<name>.+)$",
        # "Used with permission of X", "Published with permission from X"
        r"^(?:used|published|posted) with (?:kind )?permission (?:from|of|by)\s+(?P<name>.+)$",
        # "Read the original article on X"
        rf"^read the original(?: {_PIECE})? (?:on|at|in)\s+(?P<name>.+)$",
        # "This story was produced by X", "Produced in partnership with X"
        rf"^(?:this {_PIECE} (?:was|is) (?:produced|written|reported) by|(?:this {_PIECE} "
        r"(?:was|is) )?produced in (?:partnership|collaboration) with)\s+(?P<name>.+)$",
        # "Distributed by X", "Article courtesy of X"
        rf"^(?:distributed by|(?:{_PIECE} )?courtesy of)\s+(?P<name>.+)$",
        # "Source: X", "Via - X", "Originally from: X"
        r"^(?:source|sources|via|courtesy(?: of)?|originally from|sourced from)\s*"
        r"[:\-\u2013\u2014]\s*(?P<name>.+)$",
        # "Copyright 2024 X. Reprinted with permission."
        r"^(?:copyright|\u00a9)\s*(?:\u00a9\s*)?(?:\d{4}\s+)?(?P<name>[^.]+)\.\s*"
        r"(?:reprinted|republished|used|reproduced) (?:here )?with (?:kind )?permission\W*$",
        # a wire sign-off: "-- The Associated Press", "\u2014 Reuters"
        r"^(?:-{1,2}|\u2013|\u2014)\s*(?P<name>(?:the )?(?:associated press|reuters|afp|"
        r"agence france-presse|bloomberg(?: news)?|upi|press association|pa media|dpa|"
        r"ap|cnn|bbc news|kyodo|xinhua))\W*$",
    )
]
# A wire dateline opening the text: "LONDON (Reuters) -", "WASHINGTON (AP) \u2014", "(CNN)".
_DATELINE = re.compile(
    r"^(?:[A-Z][\w.'\u2019-]*(?:[ ,]+[A-Z][\w.'\u2019-]*){0,4},?(?: \w+ \d{1,2},?)? )?"
    r"\((?P<name>Reuters|AP|AFP|CNN|Bloomberg|UPI|dpa|PA|Xinhua|Kyodo)\)\s*"
    r"(?:[-\u2013\u2014]{1,2}\s*)?(?=\S)"
)
_WIRE_NAMES = {"AP": "Associated Press", "PA": "Press Association"}
_LAST_SENTENCE = re.compile(r"(?<=[.!?\u201d\"'])\s+(?=[A-Z\u2014\u2013-])")
_ORIGIN_TAIL = re.compile(
    r"(?:\s+(?:under|with|on|at|and|in|as)\s+(?:a |an |the )?(?:creative commons|licen[cs]e|"
    r"permission|is (?:re)?published|was (?:re)?published|republished|"
    r"\w+ \d{1,2},? \d{4}|\d{1,2} \w+ \d{4}|\d{4}-\d\d-\d\d|(?:jan|feb|mar|apr|may|jun|jul|"
    r"aug|sep|oct|nov|dec)\w*\b|\d{4}\b|partnership|print).*|[.!;:,]+)$",
    re.I,
)


def _any_of(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


# Furniture wherever it appears (in lines of at most 300 characters): a line that starts so...
_ANYWHERE_START = _any_of(
    r"\W*(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}))",
    r"\W*design(?:ed)?\s*(?:&|and)\s*develop(?:ed)?\s+by\b",
    r"\W*(?:this|today's) (?:newsletter|issue|episode|post|edition|email|story) is "
    r"(?:brought to you|sponsored|presented) by\b",
    r"\W*(?:related|recommended|more|popular|latest) (?:posts|articles|stories|news)\W*$",
    r"\W*(?:also read|read also|see also|you may also like|more from|trending now)\s*:",
    r"\W*(?:share(?: this(?: article| story| post| page)?)?|share on [\w ]+|tweet this|"
    r"follow us(?: on [\w ,&]+)?)\W*$",
    r"\W*(?:subscribe|sign up)\b.{0,120}\b(?:newsletter|inbox|updates)\b",
    r"\W*(?:unsubscribe|manage (?:your )?(?:preferences|subscription)|update your "
    r"preferences)\b.{0,120}$",
    r"\W*(?:view|read|open) (?:this (?:email|newsletter|issue) )?(?:in|on) (?:your|a|the) "
    r"(?:browser|web)\b.{0,60}$",
    r"\W*(?:forward(?:ed)? (?:this )?to a friend|was this (?:email )?forwarded to you)\b",
    r"\W*(?:advertisement|sponsored content|advert|skip advertisement)\W*$",
)
# ...or that says this anywhere.
_ANYWHERE_INSIDE = _any_of(
    r"\ball rights reserved\b",
    r"\b(?:is|are) proudly (?:sponsored|presented|supported) by\b",
)
# Furniture only as a short label (at most 12 words, no closing full stop).
_LABEL_ONLY = _any_of(
    r"^\W*(?:sponsored|presented|brought to you) by\b",
    r"^\W*(?:website |site )?(?:designed|developed|powered|hosted|built) by\b",
    r"^\W*(?:read more|continue reading|read the (?:full|original) (?:story|article))\b",
    r"^\W*(?:also read|read also|see also|you may also like|more from|trending now)\b",
    r"^\W*(?:click|tap) here\b",
    r"^\W*(?:photo|image|picture) (?:credit|courtesy)s?\b",
    r"^\W*copyright\b",
)
_SPONSOR_LINE = re.compile(r"^\W*(?:sponsored|presented|brought to you) by\b", re.I)
_BLURB = re.compile(
    r"\b(?:most trusted|trusted source|we provide|we bring you|our mission|your (?:one-stop|"
    r"go-to)|is (?:a|an|the) (?:leading|premier|independent) \w+|stay informed|keep you "
    r"informed|follow us on|download our app)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?\"'\u201d\u2019)]\s*$")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")


def parse_text_article(raw: str) -> RawArticle:
    """A scraped text page (title, maybe the title again, paragraphs, site trailer)."""
    raw = raw.replace("\r\n", "\n")
    if "\n\n" not in raw.strip():
        raw = raw.replace("\n", "\n\n")  # one paragraph per line
    paragraphs = split_paragraphs(separate_attribution_lines(raw))
    if not paragraphs:
        return RawArticle(title="", text="")
    title, body = _split_title(paragraphs)
    body, origin = strip_boilerplate(body)
    return RawArticle(title=title, text="\n\n".join(body), origin=origin)


def separate_attribution_lines(text: str) -> str:
    """Raw text where a line naming the origin ends a run of single-newline lines ("...
    originally published by BBC News", then "Sponsored: ...", "Share this:") is a paragraph
    of its own, and the lines after it another: joined into one, the origin is lost."""
    blocks = _PARAGRAPH_BREAK.split(text)
    return "\n\n".join(_split_at_attribution(block) for block in blocks)


def _split_at_attribution(block: str) -> str:
    lines = block.split("\n")
    if len(lines) < 2:
        return block
    for index, line in enumerate(lines):
        if find_origin(normalize_text(line)):
            before, after = "\n".join(lines[:index]), "\n".join(lines[index + 1 :])
            return "\n\n".join(part for part in (before, line, after) if part.strip())
    return block


def _split_title(paragraphs: list[str]) -> tuple[str, list[str]]:
    first = clean_title(paragraphs[0])
    if len(first) > TITLE_MAX_CHARS:  # no title line: the text starts straight away
        return _title_from_text(first), paragraphs
    words = first.split()
    half = len(words) // 2
    if len(words) % 2 == 0 and half and words[:half] == words[half:]:
        first = " ".join(words[:half])  # "Title Title" on two lines of one paragraph
    rest = paragraphs[1:]
    while rest and is_same_line(rest[0], first):
        rest = rest[1:]
    return first, rest


def _title_from_text(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(sentence) <= 120:
        return sentence
    return sentence[:120].rsplit(" ", 1)[0] + "\u2026"


def is_same_line(a: str, b: str) -> bool:
    """True when two lines differ only in case, punctuation, spacing or digits."""
    return _line_key(a) == _line_key(b)


def _line_key(line: str) -> str:
    """Comparison key: case-folded, digits zeroed (copyright years), punctuation dropped."""
    return re.sub(r"\d", "0", re.sub(r"[\W_]+", " ", line.casefold())).strip()


def find_origin(paragraph: str) -> str | None:
    """The publication named by a line like "This article first appeared on X"."""
    if len(paragraph) > 200:
        return None
    for pattern in _ORIGIN_PATTERNS:
        match = pattern.match(paragraph.strip())
        if match:
            return _clean_origin_name(match.group("name"))
    return None


def _clean_origin_name(name: str) -> str | None:
    name = re.split(r"(?<=[a-z0-9)])\.\s", name, maxsplit=1)[0]
    previous = None
    while previous != name:
        previous, name = name, _ORIGIN_TAIL.sub("", name).strip()
    name = name.strip(" \"'\u201c\u201d\u2018\u2019")
    if not name or len(name.split()) > 8 or not _is_proper_name(name):
        return None
    return name


def _is_proper_name(name: str) -> bool:
    """A publication's name, not a date or a common noun: "The Guardian", "9to5Mac"."""
    words = name.split()
    if words[0].lower() == "the" and len(words) > 1:
        words = words[1:]
    first = words[0]
    return (first[0].isupper() or first[0].isdigit()) and not first.replace(",", "").isdigit()


def strip_boilerplate(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """Article paragraphs without site boilerplate, and the origin named in a trailer line."""
    kept, origin = _cut_at_origin(paragraphs)
    if origin is None:
        kept, origin = _cut_at_origin_sentence(kept)
    kept = [p for p in kept if not is_boilerplate_line(p)]
    while len(kept) > 1 and _is_trailer_line(kept[-1]):
        kept.pop()
    kept, wire = _cut_dateline(kept)
    return kept, origin or wire


def _cut_at_origin(paragraphs: list[str]) -> tuple[list[str], str | None]:
    for index in range(len(paragraphs) - 1, -1, -1):
        origin = find_origin(paragraphs[index])
        if origin is None:
            continue
        if index >= len(paragraphs) / 2:  # a trailer: everything after it is the reprinter's
            return paragraphs[:index], origin
        return paragraphs[:index] + paragraphs[index + 1 :], origin
    return list(paragraphs), None


def _cut_at_origin_sentence(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """An attribution closing a paragraph of the text's second half ("... by BBC News.")."""
    for index in range(len(paragraphs) - 1, len(paragraphs) // 2 - 1, -1):
        sentences = _LAST_SENTENCE.split(paragraphs[index].strip())
        for count in (1, 2):  # "... republished from X under CC BY. Read the original."
            if len(sentences) <= count:
                break
            origin = find_origin(" ".join(sentences[-count:]))
            if origin:
                return [*paragraphs[:index], " ".join(sentences[:-count])], origin
    return paragraphs, None


def _cut_dateline(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """The first paragraph without its wire dateline, and the wire it names."""
    match = _DATELINE.match(paragraphs[0]) if paragraphs else None
    if not match:
        return paragraphs, None
    name = match.group("name")
    return [paragraphs[0][match.end() :], *paragraphs[1:]], _WIRE_NAMES.get(name, name)


def is_boilerplate_line(paragraph: str) -> bool:
    """True for a short line whose shape marks it as site furniture wherever it appears."""
    if len(paragraph) > 300:
        return False
    if _ANYWHERE_START.match(paragraph) or _ANYWHERE_INSIDE.search(paragraph):
        return True
    is_short = len(paragraph.split()) <= 12
    return is_short and bool(_SPONSOR_LINE.match(paragraph)) and not _SENTENCE_END.search(paragraph)


def _is_trailer_line(paragraph: str) -> bool:
    """At the end of a text: labels (site names, headings) and site blurbs are furniture too."""
    if is_boilerplate_line(paragraph) or _SPONSOR_LINE.match(paragraph):
        return True
    if len(paragraph.split()) <= 6 and not _SENTENCE_END.search(paragraph):
        return True
    return len(paragraph) <= 400 and bool(_BLURB.search(paragraph))


def clean_article_text(text: str) -> tuple[str, str | None]:
    """Body text without boilerplate, and its origin if a trailer names one."""
    return strip_boilerplate_text(normalize_text(separate_attribution_lines(text)))


def strip_boilerplate_text(normalized: str) -> tuple[str, str | None]:
    """clean_article_text() for text that normalize_text() already produced."""
    if not normalized:
        return "", None
    paragraphs, origin = strip_boilerplate(normalized.split("\n\n"))
    return "\n\n".join(paragraphs), origin


class BoilerplateLearner:
    """Learns lines one source repeats across many of its articles (menus, sign-offs, ads).

    Use one learner per source; call learn() once per new article. A line is learned once
    it appears in at least min_articles distinct articles.
    """

    def __init__(self, min_articles: int = 3, max_lines: int = 20_000) -> None:
        self.min_articles = min_articles
        self.max_lines = max_lines
        self._counts: Counter[str] = Counter()
        self._seen_articles: dict[str, None] = {}  # insertion-ordered, oldest dropped first

    def learn(self, text: str) -> None:
        """Count each distinct paragraph of one article (the same text twice counts once)."""
        fingerprint = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
        if fingerprint in self._seen_articles:
            return
        self._seen_articles[fingerprint] = None
        if len(self._seen_articles) > self.max_lines:
            del self._seen_articles[next(iter(self._seen_articles))]
        keys = {_line_key(p) for p in split_paragraphs(text) if len(p) <= 1000}
        self._counts.update(key for key in keys if key)
        if len(self._counts) > self.max_lines:
            self._forget_rare()

    def is_learned(self, paragraph: str) -> bool:
        """True when this paragraph is one of the source's repeated lines."""
        return self._counts.get(_line_key(paragraph), 0) >= self.min_articles

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready snapshot, so a learner can be stored per source."""
        return {
            "min_articles": self.min_articles,
            "counts": dict(self._counts),
            "seen": list(self._seen_articles),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> BoilerplateLearner:
        """Rebuild a learner saved with to_dict()."""
        learner = cls(min_articles=int(data.get("min_articles", 3)))  # type: ignore[arg-type]
        learner._counts.update(data.get("counts", {}))  # type: ignore[arg-type]
        learner._seen_articles.update(dict.fromkeys(data.get("seen", [])))  # type: ignore[arg-type]
        return learner

    def _forget_rare(self) -> None:
        for key in [k for k, n in self._counts.items() if n <= 1]:
            del self._counts[key]


def strip_learned(text: str, learner: BoilerplateLearner) -> str:
    """Text without the learner's repeated lines; unchanged if nothing would remain."""
    paragraphs = split_paragraphs(text)
    kept = [p for p in paragraphs if not learner.is_learned(p)]
    return "\n\n".join(kept) if kept else "\n\n".join(paragraphs)
