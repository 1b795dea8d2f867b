"""Article files (text, HTML, JSON, e-mail, feed documents) and API payloads to RawArticle."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

from digest.ingest.canonical import canonical_url
from digest.ingest.clean import (
    clean_article_text,
    clean_title,
    html_to_raw_text,
    parse_text_article,
    sanitize_html,
)
from digest.ingest.errors import ArticleFileError, FeedError, MalformedURL
from digest.ingest.feeds import parse_feed
from digest.ingest.pages import extract_page
from digest.ingest.types import ParsedFeed, RawArticle, Rejection
from digest.ingest.unicode import without_surrogates

MAX_FILE_BYTES = 20_000_000
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | {".json", ".eml"}


class _BadItem(ValueError):
    """One JSON item that cannot become an article."""


def iter_article_files(paths: list[Path]) -> Iterator[Path]:
    """The files named, with folders expanded (sorted, recursive, no hidden files or README)."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from _walk(path)
        elif path.is_file():
            yield path
        else:
            raise ArticleFileError(path, "no such file or folder")


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or child.name.upper().startswith("README"):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif child.suffix.lower() in SUPPORTED_SUFFIXES:
            yield child


def read_article_file(path: Path) -> list[RawArticle]:
    """The articles in one file, chosen by its suffix; ArticleFileError when unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    content = _read_bytes(path)
    if suffix in TEXT_SUFFIXES:
        return [_non_empty(path, parse_text_article(_decode_text(content)))]
    if suffix in HTML_SUFFIXES:
        return [_non_empty(path, extract_page(content, None))]
    if suffix == ".json":
        return _read_json(path, content)
    if suffix == ".eml":
        return [_non_empty(path, _read_email(content))]
    if suffix in FEED_SUFFIXES:
        return _parse_feed_file(path, content).entries
    raise ArticleFileError(path, f"unsupported file type {suffix or '(none)'!r}")


def is_feed_file(path: Path) -> bool:
    """True for a file read as a feed document (.xml, .rss, .atom, .rdf)."""
    return Path(path).suffix.lower() in FEED_SUFFIXES


def read_feed_file(path: Path) -> ParsedFeed:
    """A feed file with its title and rejected entries; ArticleFileError when unreadable."""
    return _parse_feed_file(Path(path), _read_bytes(Path(path)))


def _parse_feed_file(path: Path, content: bytes) -> ParsedFeed:
    try:
        return parse_feed(content)
    except FeedError as exc:
        raise ArticleFileError(path, str(exc)) from exc


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ArticleFileError(path, f"larger than {MAX_FILE_BYTES} bytes")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ArticleFileError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise ArticleFileError(path, "is a folder, not a file") from exc
    except OSError as exc:
        raise ArticleFileError(path, exc.strerror or str(exc)) from exc


def _decode_text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("windows-1252", errors="replace")


def _non_empty(path: Path, article: RawArticle) -> RawArticle:
    if not article.text.strip():
        raise ArticleFileError(path, "no article text found")
    return article


def _read_json(path: Path, content: bytes) -> list[RawArticle]:
    try:
        payload = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ArticleFileError(path, "not UTF-8 JSON") from exc
    except json.JSONDecodeError as exc:
        raise ArticleFileError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from exc
    items = payload if isinstance(payload, list) else [payload]
    articles = []
    for index, item in enumerate(items):
        try:
            articles.append(_article_from_item(item))
        except _BadItem as exc:
            raise ArticleFileError(path, f"item {index}: {exc}", line=index) from exc
    return articles


def parse_api_items(payload: object) -> tuple[dict[int, RawArticle], list[Rejection]]:
    """POST /api/articles: the good articles by their index, and a rejection for each bad item."""
    items = payload if isinstance(payload, list) else [payload]
    articles: dict[int, RawArticle] = {}
    rejected: list[Rejection] = []
    for index, item in enumerate(items):
        try:
            articles[index] = _article_from_item(item)
        except _BadItem as exc:
            rejected.append(Rejection(index, str(exc)))
    return articles, rejected


def _article_from_item(item: Any) -> RawArticle:
    """One JSON object (title, text|html|content, url, published_at, ...) as an article."""
    if not isinstance(item, dict):
        raise _BadItem("expected an object")
    title = clean_title(_optional_str(item, "title") or "")
    if not title:
        raise _BadItem("missing title")
    html, text = _item_body(item)
    text, origin = clean_article_text(text)
    if not text:
        raise _BadItem("missing text, html or content")
    return RawArticle(
        title=title,
        text=text,
        url=_item_url(item),
        html=html,
        guid=_optional_str(item, "guid"),
        published_at=_item_datetime(item, "published_at"),
        updated_at=_item_datetime(item, "updated_at"),
        author=clean_title(_optional_str(item, "author") or "") or None,
        origin=clean_title(_optional_str(item, "origin") or "") or origin,
        categories=_item_categories(item),
        image_url=_item_url(item, "image_url"),
    )


def _optional_str(item: dict, key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadItem(f"{key} must be a string")
    return without_surrogates(value).strip() or None


def _item_body(item: dict) -> tuple[str | None, str]:
    text = _optional_str(item, "text")
    html = _optional_str(item, "html") or _optional_str(item, "content")
    safe_html = sanitize_html(html) if html else None
    if text:
        return safe_html, text
    return safe_html, html_to_raw_text(safe_html) if safe_html else ""


def _item_url(item: dict, key: str = "url") -> str | None:
    value = _optional_str(item, key)
    if value is None:
        return None
    try:
        url = canonical_url(value)
    except MalformedURL as exc:
        raise _BadItem(f"{key} is not a usable URL: {exc.reason}") from None
    if not url.startswith(("http://", "https://")):
        raise _BadItem(f"{key} must be an absolute http(s) URL")
    return url


def _item_datetime(item: dict, key: str) -> datetime | None:
    value = _optional_str(item, key)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _BadItem(f"{key} is not an ISO 8601 date: {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _item_categories(item: dict) -> list[str]:
    value = item.get("categories") or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _BadItem("categories must be a list of strings")
    return [name for name in dict.fromkeys(clean_title(v) for v in value) if name]


def _read_email(content: bytes) -> RawArticle:
    message = BytesParser(policy=policy.default).parsebytes(content)
    assert isinstance(message, EmailMessage)
    html, text = _email_body(message)
    text, origin = clean_article_text(text)
    name, address = parseaddr(str(message.get("From", "")))
    return RawArticle(
        title=clean_title(str(message.get("Subject", ""))) or text[:100],
        text=text,
        html=html,
        guid=without_surrogates(str(message.get("Message-ID", ""))).strip() or None,
        published_at=email_date(message),
        author=clean_title(name or address) or None,
        origin=origin,
    )


def _email_body(message: EmailMessage) -> tuple[str | None, str]:
    part = message.get_body(preferencelist=("html", "plain"))
    if part is None:
        return None, ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        safe_html = sanitize_html(content)
        return safe_html, html_to_raw_text(safe_html)
    return None, content


def email_date(message: EmailMessage) -> datetime | None:
    value = message.get("Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
