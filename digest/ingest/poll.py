"""Sources: adding them, polling each one alone, recording failures and pausing broken ones."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from digest.extensions import db
from digest.ingest.canonical import canonical_url
from digest.ingest.errors import FetchError, IngestError
from digest.ingest.feeds import parse_feed
from digest.ingest.files import iter_article_files, read_article_file
from digest.ingest.http import fetch
from digest.ingest.pages import extract_page
from digest.ingest.store import StoreResult, store_articles
from digest.ingest.types import RawArticle
from digest.models import Article, Newsletter, Source, SourceKind, utcnow
from digest.settings import IngestSettings


@dataclass
class PollOutcome:
    source: Source
    result: StoreResult | None
    error: str | None = None
    is_not_modified: bool = False


def add_source(newsletter: Newsletter, location: str, name: str | None = None) -> Source:
    """Register a feed/page URL or a local feed file / folder of article files."""
    kind = _kind_of(location)
    if kind is not SourceKind.FEED or not location.startswith(("http://", "https://")):
        location = str(Path(location).resolve())
    existing = db.session.scalars(
        select(Source).where(Source.newsletter_id == newsletter.id, Source.location == location)
    ).first()
    if existing:
        return existing
    source = Source(newsletter=newsletter, kind=kind, location=location, name=name or location)
    db.session.add(source)
    db.session.flush()
    return source


def import_source(newsletter: Newsletter) -> Source:
    """The source that articles imported by hand or through the API belong to."""
    return add_source_row(newsletter, SourceKind.IMPORT, "import:", "Imported")


def add_source_row(newsletter: Newsletter, kind: SourceKind, location: str, name: str) -> Source:
    source = db.session.scalars(
        select(Source).where(Source.newsletter_id == newsletter.id, Source.location == location)
    ).first()
    if source is None:
        source = Source(newsletter=newsletter, kind=kind, location=location, name=name)
        db.session.add(source)
        db.session.flush()
    return source


def _kind_of(location: str) -> SourceKind:
    if location.startswith(("http://", "https://")):
        return SourceKind.FEED
    path = Path(location)
    if path.is_dir():
        return SourceKind.FOLDER
    if not path.exists():
        raise IngestError(f"no such file or folder: {location}")
    return SourceKind.FEED


def poll_source(source: Source, settings: IngestSettings) -> PollOutcome:
    """Fetch one source and store what it has; a failure is recorded and never raised."""
    try:
        articles, not_modified = _read_source(source, settings)
        result = store_articles(source, articles) if articles else StoreResult()
    except IngestError as exc:
        db.session.rollback()
        source = db.session.merge(source)
        _record_failure(source, exc, settings)
        return PollOutcome(source, None, error=str(exc))
    source.failure_count = 0
    source.last_error = None
    source.last_success_at = utcnow()
    return PollOutcome(source, result, is_not_modified=not_modified)


def _record_failure(source: Source, error: IngestError, settings: IngestSettings) -> None:
    """Count the failure; pause the source after too many in a row, or at once when it is gone."""
    source.failure_count += 1
    source.last_error = str(error)[:2000]
    source.last_error_at = utcnow()
    is_gone = isinstance(error, FetchError) and error.status == 410
    if is_gone or source.failure_count >= settings.source_max_failures:
        source.is_active = False


def _read_source(source: Source, settings: IngestSettings) -> tuple[list[RawArticle], bool]:
    if source.kind is SourceKind.FOLDER:
        return _read_files(iter_article_files([Path(source.location)])), False
    if not source.location.startswith(("http://", "https://")):
        return read_article_file(Path(source.location)), False
    return _read_url(source, settings.allow_private_fetch)


def _read_files(paths: Iterator[Path]) -> list[RawArticle]:
    articles: list[RawArticle] = []
    for path in paths:
        articles.extend(read_article_file(path))
    return articles


def _read_url(source: Source, allow_private: bool) -> tuple[list[RawArticle], bool]:
    response = fetch(
        source.location,
        etag=source.etag,
        last_modified=source.last_modified,
        allow_private=allow_private,
    )
    if response.status == 304:
        return [], True
    source.etag, source.last_modified = response.etag, response.last_modified
    if source.kind is SourceKind.PAGE or _looks_like_html(response.content_type, response.content):
        source.kind = SourceKind.PAGE
        return [extract_page(response.content, response.url)], False
    feed = parse_feed(response.content, response.url)
    if feed.title and source.name == source.location:
        source.name = feed.title[:200]
    return _complete_teasers(feed.entries, allow_private), False


def _looks_like_html(content_type: str | None, content: bytes) -> bool:
    head = content[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        return False
    return bool(content_type and "html" in content_type) or head.startswith(
        (b"<!doctype html", b"<html")
    )


def _complete_teasers(entries: list[RawArticle], allow_private: bool) -> list[RawArticle]:
    """Fetch the page of new entries that carry only a teaser; keep the teaser when that fails."""
    for entry in entries:
        if not (entry.is_teaser and entry.url) or _is_stored(entry.url):
            continue
        try:
            page = extract_page(fetch(entry.url, allow_private=allow_private).content, entry.url)
        except IngestError:
            continue
        if len(page.text) > len(entry.text):
            entry.text, entry.is_teaser = page.text, False
            entry.image_url = entry.image_url or page.image_url
    return entries


def _is_stored(url: str) -> bool:
    key = canonical_url(url)
    return db.session.scalar(select(Article.id).where(Article.canonical_url == key)) is not None


def poll_newsletter_sources(
    settings: IngestSettings, newsletter: Newsletter | None = None
) -> Iterator[PollOutcome]:
    """Poll every active source (of one newsletter, or all), committing after each."""
    query = select(Source).where(Source.is_active.is_(True), Source.kind != SourceKind.IMPORT)
    if newsletter is not None:
        query = query.where(Source.newsletter_id == newsletter.id)
    for source_id in db.session.scalars(query.with_only_columns(Source.id)).all():
        outcome = poll_source(db.session.get(Source, source_id), settings)
        db.session.commit()
        yield outcome
