"""Text normalisation and HTML handling shared by every ingest reader."""

from __future__ import annotations

import html as htmllib
import re
import unicodedata

import lxml.html
import nh3
from lxml import etree

from digest.ingest.unicode import without_surrogates

_SPACE_CHARS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACE_CHARS += "\u202f\u205f\u3000\t\v\f"
_TRANSLATE = {ord(c): " " for c in _SPACE_CHARS}
_TRANSLATE.update({ord(c): None for c in "\u00ad\u200b\u200c\u2060\ufeff"})
_TRANSLATE.update({0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl"})
_TRANSLATE.update({ord("\u2028"): "\n", ord("\u2029"): "\n\n"})
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_BLANK_LINE = re.compile(r"\n[ \r]*\n")
_WS = re.compile(r"\s+")


def normalize_text(s: str) -> str:
    """Unicode-normalise (NFC, keeps smart quotes), collapse spaces, keep paragraph breaks."""
    s = without_surrogates(s)
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
        without_surrogates(html),
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
    return normalize_text(html_to_raw_text(html))


def html_to_raw_text(html: str) -> str:
    """html_to_text() before normalize_text(): a <br> still ends a line within a paragraph."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    parts: list[str] = []
    _collect_text(root, parts)
    return "".join(parts)


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
