"""Feed documents (RSS 0.9x/1.0/2.0, Atom) to ParsedFeed, refusing hostile XML first."""

from __future__ import annotations

import html as htmllib
import logging
import re
from calendar import timegm
from datetime import UTC, datetime
from time import struct_time
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
import feedparser
import lxml.html
from defusedxml import DefusedXmlException
from lxml import etree

from digest.ingest.canonical import canonical_url, join_url, split_url
from digest.ingest.clean import clean_article_text, clean_title, html_to_raw_text, sanitize_html
from digest.ingest.errors import FeedError, IngestError, MalformedURL, UnexpectedFailure
from digest.ingest.types import ParsedFeed, RawArticle, Rejection
from digest.ingest.websub import feed_link as feed_link_of

log = logging.getLogger(__name__)

TEASER_MAX_CHARS = 400
MAX_TEXT_CHARS = 200_000
MAX_HTML_CHARS = 1_000_000
_DTD_WITH_ENTITIES = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.I | re.S)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)
_RELATIVE_LINK = re.compile(r"(?:href|src)=\"(?![a-z][a-z0-9+.-]*:|#)", re.I)
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)", re.I)
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")


def parse_feed(content: bytes, url: str | None = None, max_entries: int = 500) -> ParsedFeed:
    """Parse a feed safely; FeedError for hostile XML or a document that is not a feed."""
    check_xml_safety(content)
    content = _CHAR_REF.sub(_valid_char_ref, content)
    # No content-location: RSS links are resolved against the channel link, not the feed URL.
    headers = {"content-type": "application/xml"}  # no header must not count as malformed
    # feedparser resolves links in entry HTML only where xml:base says how (Atom); RSS entry
    # HTML is resolved below against the channel link, like the entry links.
    parsed = feedparser.parse(
        content,
        response_headers=headers,
        resolve_relative_uris=b"xml:base" in content,
        sanitize_html=False,
    )
    is_bozo = bool(parsed.get("bozo"))
    reason = str(parsed.get("bozo_exception")) if is_bozo else None
    if not parsed.entries and not parsed.feed.get("title") and (is_bozo or not parsed.version):
        raise FeedError(reason or "no feed elements found")
    base = _feed_base(url, parsed.feed.get("link"))
    entries, rejected = _read_entries(parsed.entries[:max_entries], base)
    title = clean_title(parsed.feed.get("title", "")) or None
    feed_link = canonical_url(base) if base else None
    links = parsed.feed.get("links", [])
    hub, self_url = feed_link_of(links, "hub", url), feed_link_of(links, "self", url)
    return ParsedFeed(title, feed_link, entries, is_bozo, reason, rejected, hub, self_url)


def _valid_char_ref(match: re.Match[bytes]) -> bytes:
    """A character reference to a surrogate or past U+10FFFF, which crashes feedparser's
    lenient parser, becomes U+FFFD; every other reference stays as it was."""
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return b"&#xFFFD;"
    return match.group(0)


def _feed_base(url: str | None, link: str | None) -> str | None:
    """What entry links are relative to: the channel link, else the feed's own address."""
    if not link:
        return url
    try:
        base = join_url(url or "", link)
        split_url(base)  # entry links are joined to it: it must parse
    except MalformedURL:
        return url
    return base


def _read_entries(entries: list[Any], base: str | None) -> tuple[list[RawArticle], list[Rejection]]:
    """The entries as articles; one that cannot be read is rejected alone, with its reason."""
    articles: list[RawArticle] = []
    rejected: list[Rejection] = []
    for index, entry in enumerate(entries):
        try:
            articles.append(_entry_to_article(entry, base))
        except IngestError as exc:
            rejected.append(Rejection(index, f"entry {index + 1}: {exc}"))
        except Exception as exc:  # one entry's boundary: whatever breaks, breaks it alone
            log.error("feed entry %d could not be read", index + 1, exc_info=exc)
            rejected.append(Rejection(index, f"entry {index + 1}: {UnexpectedFailure(exc)}"))
    return _unique_entries(articles), rejected


def check_xml_safety(content: bytes) -> None:
    """FeedError on entity declarations or external entities, before any parser sees them."""
    try:
        SafeET.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"unsafe XML refused ({type(exc).__name__})") from exc
    except ParseError:  # malformed: the lenient parser may read it, unless it declares entities
        if _DTD_WITH_ENTITIES.search(content) or _ENTITY_DECLARATION.search(content):
            raise FeedError("malformed XML with entity declarations refused") from None
    except (ValueError, LookupError) as exc:  # e.g. an encoding expat does not know
        if _ENTITY_DECLARATION.search(content):
            raise FeedError(f"unreadable XML with entity declarations ({exc})") from exc


def _unique_entries(articles: Any) -> list[RawArticle]:
    seen: set[str] = set()
    unique: list[RawArticle] = []
    for article in articles:
        keys = {f"g:{article.guid}", f"u:{article.url}"} - {"g:None", "u:None"}
        if keys & seen:
            continue
        seen |= keys
        unique.append(article)
    return unique


def _entry_to_article(entry: Any, base: str | None) -> RawArticle:
    html, has_full_content = _entry_html(entry)
    safe_html = sanitize_html(html[:MAX_HTML_CHARS]) if html else None
    if safe_html and base and _RELATIVE_LINK.search(safe_html):
        safe_html = _absolutize_links(safe_html, base)
    text, origin = clean_article_text(html_to_raw_text(safe_html) if safe_html else "")
    text = _truncate(text, MAX_TEXT_CHARS)
    link = entry.get("link")
    url = canonical_url(link, base=base) if link else None
    title = clean_title(entry.get("title", "")) or _title_from(text)
    return RawArticle(
        title=title,
        text=text,
        url=url,
        html=safe_html,
        guid=entry.get("id") or None,
        published_at=_to_datetime(
            _parsed_date(entry, "published") or _parsed_date(entry, "updated")
        ),
        updated_at=_to_datetime(_parsed_date(entry, "updated")),
        author=clean_title(entry.get("author", "")) or None,
        origin=origin or _source_title(entry),
        categories=_categories(entry),
        image_url=_image_url(entry, safe_html, url or base),
        is_teaser=not has_full_content and len(text) < TEASER_MAX_CHARS,
    )


def _entry_html(entry: Any) -> tuple[str, bool]:
    """The richest body an entry carries as HTML, and whether it is full content."""
    contents = [c for c in entry.get("content", []) if c.get("value")]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        return _as_html(best["value"], best.get("type", "text/html")), True
    detail = entry.get("summary_detail") or {}
    summary = entry.get("summary", "")
    return _as_html(summary, detail.get("type", "text/html")), False


def _as_html(value: str, content_type: str) -> str:
    if "html" in content_type:
        return value
    return "".join(f"<p>{htmllib.escape(p)}</p>" for p in value.split("\n\n") if p.strip())


def _absolutize_links(html: str, base: str) -> str:
    """Relative href/src made absolute against the entry's base URL."""
    try:
        fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return html
    fragment.make_links_absolute(base, resolve_base_href=False)
    inner = (fragment.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in fragment
    )
    return inner


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind("\n\n", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def _title_from(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    return first if len(first) <= 100 else first[:100].rsplit(" ", 1)[0] + "\u2026"


def _parsed_date(entry: Any, name: str) -> struct_time | None:
    """A parsed date read without feedparser's deprecated published/updated fallback."""
    return dict.get(entry, f"{name}_parsed")


def _to_datetime(value: struct_time | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _source_title(entry: Any) -> str | None:
    source = entry.get("source") or {}
    return clean_title(source.get("title", "")) or None


def _categories(entry: Any) -> list[str]:
    names: list[str] = []
    for tag in entry.get("tags", []):
        name = clean_title(tag.get("term") or tag.get("label") or "")
        if name and name not in names:
            names.append(name)
    return names


def _image_url(entry: Any, html: str | None, base: str | None) -> str | None:
    """An image from enclosures, media:content, media:thumbnail, or the first <img>."""
    candidates: list[str] = []
    for link in entry.get("enclosures", []):
        if link.get("type", "").startswith("image/") and link.get("href"):
            candidates.append(link["href"])
    for media in entry.get("media_content", []):
        is_image = media.get("medium") == "image" or media.get("type", "").startswith("image/")
        if is_image and media.get("url"):
            candidates.append(media["url"])
    candidates += [t["url"] for t in entry.get("media_thumbnail", []) if t.get("url")]
    if html:
        candidates += _IMG_SRC.findall(html)[:1]
    for candidate in candidates:
        try:
            url = canonical_url(htmllib.unescape(candidate), base=base)
        except MalformedURL:  # a broken image address costs the image, not the article
            continue
        if url.startswith(("http://", "https://")):
            return url
    return None
