"""Web pages to articles with trafilatura (main text and metadata), entirely offline."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import lxml.html
from lxml import etree

from digest.ingest.canonical import canonical_url
from digest.ingest.clean import (
    clean_article_text,
    clean_title,
    html_to_raw_text,
    is_same_line,
    normalize_text,
)
from digest.ingest.types import RawArticle
from digest.ingest.unicode import without_surrogates

MIN_PRECISE_CHARS = 200
MAX_PAGE_CHARS = 5_000_000


def extract_page(html: str | bytes, url: str | None) -> RawArticle:
    """The article on a page: main text without navigation or trailer, title, date, image."""
    html = _decode(html) if isinstance(html, bytes) else without_surrogates(html)
    html = html[:MAX_PAGE_CHARS]
    document = _extract(html, url, favor_precision=True)
    if document is None or len(document.text or "") < MIN_PRECISE_CHARS:
        document = _extract(html, url, favor_precision=False) or document
    raw_text = _paragraphs(document.text) if document is not None and document.text else ""
    if not raw_text:
        raw_text = html_to_raw_text(html)
    text, origin = clean_article_text(raw_text)
    meta = _metadata(document)
    title = clean_title(meta.get("title") or "") or _page_title(html) or text[:100]
    text = _without_leading_title(text, title)
    return RawArticle(
        title=title,
        text=text,
        url=canonical_url(url) if url else None,
        published_at=_parse_date(meta.get("date")),
        author=clean_title(meta.get("author") or "") or None,
        origin=origin,
        categories=_categories(meta),
        image_url=_image(meta.get("image"), url),
    )


def _extract(html: str, url: str | None, favor_precision: bool) -> object | None:
    import trafilatura  # about 0.5 s to import: loaded when a page is read, not by every process

    return trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=favor_precision,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        deduplicate=False,
    )


def _decode(content: bytes) -> str:
    head = content[:2048].decode("ascii", errors="ignore")
    match = re.search(r"charset=[\"']?([\w-]+)", head, re.I)
    for encoding in (match.group(1) if match else "utf-8", "utf-8", "windows-1252"):
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("utf-8", errors="replace")


def _paragraphs(text: str) -> str:
    """trafilatura separates paragraphs with one newline; ours use a blank line."""
    return normalize_text(text.replace("\n", "\n\n"))


def _without_leading_title(text: str, title: str) -> str:
    first, _, rest = text.partition("\n\n")
    return rest if rest and is_same_line(first, title) else text


def _metadata(document: object | None) -> dict:
    if document is None:
        return {}
    return {
        name: getattr(document, name, None)
        for name in ("title", "author", "date", "image", "categories", "tags")
    }


def _page_title(html: str) -> str:
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    titles = root.xpath("//title/text() | //h1//text()")
    return clean_title(" ".join(titles[:1])) if titles else ""


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _categories(meta: dict) -> list[str]:
    names: list[str] = []
    for group in (meta.get("categories") or [], meta.get("tags") or []):
        for raw in group:
            name = clean_title(str(raw))
            if name and name not in names:
                names.append(name)
    return names


def _image(value: str | None, url: str | None) -> str | None:
    if not value:
        return None
    absolute = canonical_url(value, base=url)
    return absolute if absolute.startswith(("http://", "https://")) else None
