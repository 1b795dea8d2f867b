"""Turn scraped text and HTML into clean article text: titles, paragraphs, no site trailer.

Boilerplate is recognised two ways: by shape (sponsor lines, credits, share prompts,
copyright, a site blurb after "This article first appeared on X") and by repetition
(BoilerplateLearner: lines one source repeats in many of its articles).
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
import unicodedata
from collections import Counter

import lxml.html
import nh3
from lxml import etree

from digest.ingest.types import RawArticle

TITLE_MAX_CHARS = 250

_SPACE_CHARS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACE_CHARS += "\u202f\u205f\u3000\t\v\f"
_TRANSLATE = {ord(c): " " for c in _SPACE_CHARS}
_TRANSLATE.update({ord(c): None for c in "\u00ad\u200b\u200c\u2060\ufeff"})
_TRANSLATE.update({0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl"})
_TRANSLATE.update({ord("\u2028"): "\n", ord("\u2029"): "\n\n"})
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_BLANK_LINE = re.compile(r"\n[ \r]*\n")
_WS = re.compile(r"\s+")

_ORIGIN_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"^this (?:article|story|post|piece|report) (?:was |is )?(?:first|originally) "
        r"(?:appeared|published|posted|ran)(?: on| in| at| by)?\s+(?P<name>.+)$",
        r"^(?:this (?:article|story|post|piece) )?(?:was |is )?(?:first|originally) "
        r"(?:appeared|published|posted) (?:on|in|at|by)\s+(?P<name>.+)$",
        r"^this (?:article|story|post|piece) (?:is|was) (?:republished|reprinted|syndicated) "
        r"(?:with permission )?(?:from|by)\s+(?P<name>.+)$",
        r"^(?:republished|reprinted|syndicated) (?:with permission )?(?:from|courtesy of|by)"
        r"\s+(?P<name>.+)$",
        r"^(?:source|sources|via|courtesy(?: of)?)\s*[:\-\u2013\u2014]\s*(?P<name>.+)$",
    )
]
_ORIGIN_TAIL = re.compile(
    r"(?:\s+(?:under|with|on|at)\s+(?:a |an |the )?(?:creative commons|license|permission|"
    r"\w+ \d{1,2},? \d{4}|\d{1,2} \w+ \d{4}|\d{4}-\d\d-\d\d).*|[.!;:,]+)$",
    re.I,
)

_ANYWHERE = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            r"^\W*(?:©|\(c\)|copyright\b)",
            r"\ball rights reserved\b",
            r"^\W*design(?:ed)?\s*(?:&|and)\s*develop(?:ed)?\s+by\b",
            r"^\W*(?:website |site )?(?:designed|developed|powered|hosted) by\b",
            r"\b(?:is|are) proudly (?:sponsored|presented|supported) by\b",
            r"^\W*(?:this|today's) (?:newsletter|issue|episode|post|edition|email|story) is "
            r"(?:brought to you|sponsored|presented) by\b",
            r"^\W*(?:related|recommended|more|popular|latest) (?:posts|articles|stories|news)\W*$",
            r"^\W*(?:also read|read also|see also|you may also like|more from|trending now)\b",
            r"^\W*(?:share|share this|share on|tweet this|follow us)\b.{0,60}$",
            r"^\W*(?:subscribe|sign up|join)\b.{0,120}\b(?:newsletter|inbox|updates|channel)\b",
            r"^\W*(?:unsubscribe|manage (?:your )?(?:preferences|subscription)|update your "
            r"preferences)\b.{0,120}$",
            r"^\W*(?:view|read|open) (?:this (?:email|newsletter|issue) )?(?:in|on) (?:your|a|the) "
            r"(?:browser|web)\b.{0,60}$",
            r"^\W*(?:forward(?:ed)? (?:this )?to a friend|was this (?:email )?forwarded to you)\b",
            r"^\W*(?:read more|continue reading|read the (?:full|original) (?:story|article))\W*"
            r".{0,60}$",
            r"^\W*(?:advertisement|sponsored content|ad|advert|skip advertisement)\W*$",
            r"^\W*(?:click|tap) here\b.{0,80}$",
            r"^\W*(?:photo|image|picture) (?:credit|courtesy)s?\s*[:\-]",
        )
    ),
    re.I,
)
_SPONSOR_LINE = re.compile(r"^\W*(?:sponsored|presented|brought to you) by\b", re.I)
_BLURB = re.compile(
    r"\b(?:most trusted|trusted source|we provide|we bring you|our mission|your (?:one-stop|"
    r"go-to)|is (?:a|an|the) (?:leading|premier|independent) \w+|stay informed|keep you "
    r"informed|follow us on|download our app)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?\"'\u201d\u2019)]\s*$")


def normalize_text(s: str) -> str:
    """Unicode-normalise (NFC, keeps smart quotes), collapse spaces, keep paragraph breaks."""
    s = unicodedata.normalize("NFC", s.replace("\r\n", "\n").replace("\r", "\n"))
    s = _CONTROL.sub("", s.translate(_TRANSLATE))
    paragraphs = (_WS.sub(" ", p).strip() for p in _BLANK_LINE.split(s))
    return "\n\n".join(p for p in paragraphs if p)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of normalised text."""
    normalized = normalize_text(text)
    return normalized.split("\n\n") if normalized else []


def clean_title(s: str) -> str:
    """A title as plain text: no tags, entities decoded, whitespace collapsed."""
    for _ in range(2):  # feeds often double-escape (&amp;amp;)
        unescaped = htmllib.unescape(s)
        if unescaped == s:
            break
        s = unescaped
    if "<" in s:
        s = re.sub(r"<[^>]*>", " ", s)
    return _WS.sub(" ", normalize_text(s)).strip()


def sanitize_html(html: str) -> str:
    """Article HTML reduced to a safe allowlist; links get rel=noopener noreferrer nofollow."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "iframe", "svg"}


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment or page; block elements become paragraphs."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return normalize_text(html)
    parts: list[str] = []
    _collect_text(root, parts)
    return normalize_text("".join(parts))


def _collect_text(element: etree._Element, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _SKIP_TAGS or not tag:
        return
    is_block = tag in _BLOCK_TAGS
    if is_block:
        parts.append("\n\n")
    elif tag == "br":
        parts.append("\n")
    elif tag in ("td", "th"):
        parts.append(" ")
    parts.append(element.text or "")
    for child in element:
        _collect_text(child, parts)
        parts.append(child.tail or "")
    if is_block:
        parts.append("\n\n")


def parse_text_article(raw: str) -> RawArticle:
    """A scraped text page (title, maybe the title again, paragraphs, site trailer)."""
    if "\n\n" not in raw.strip().replace("\r\n", "\n"):
        raw = raw.replace("\r\n", "\n").replace("\n", "\n\n")  # one paragraph per line
    paragraphs = split_paragraphs(raw)
    if not paragraphs:
        return RawArticle(title="", text="")
    title, body = _split_title(paragraphs)
    body, origin = strip_boilerplate(body)
    return RawArticle(title=title, text="\n\n".join(body), origin=origin)


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
    if not name or len(name.split()) > 8:
        return None
    return name


def strip_boilerplate(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """Article paragraphs without site boilerplate, and the origin named in a trailer line."""
    kept, origin = _cut_at_origin(paragraphs)
    kept = [p for p in kept if not is_boilerplate_line(p)]
    while len(kept) > 1 and _is_trailer_line(kept[-1]):
        kept.pop()
    return kept, origin


def _cut_at_origin(paragraphs: list[str]) -> tuple[list[str], str | None]:
    for index in range(len(paragraphs) - 1, -1, -1):
        origin = find_origin(paragraphs[index])
        if origin is None:
            continue
        if index >= len(paragraphs) / 2:  # a trailer: everything after it is the reprinter's
            return paragraphs[:index], origin
        return paragraphs[:index] + paragraphs[index + 1 :], origin
    return list(paragraphs), None


def is_boilerplate_line(paragraph: str) -> bool:
    """True for a short line whose shape marks it as site furniture wherever it appears."""
    if len(paragraph) > 300:
        return False
    if _ANYWHERE.search(paragraph):
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
    return strip_boilerplate_text(normalize_text(text))


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

    @property
    def learned_lines(self) -> list[str]:
        """Comparison keys of the learned lines, most frequent first."""
        return [k for k, n in self._counts.most_common() if n >= self.min_articles]

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
