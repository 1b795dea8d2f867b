"""Sources: adding them, polling each one alone, recording failures and pausing broken ones."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from digest.extensions import db
from digest.ingest.canonical import canonical_url
from digest.ingest.errors import ArticleFileError, FetchError, IngestError, UnexpectedFailure
from digest.ingest.feeds import parse_feed
from digest.ingest.files import (
    is_feed_file,
    iter_article_files,
    read_article_file,
    read_feed_file,
)
from digest.ingest.http import fetch
from digest.ingest.hubs import note_hub
from digest.ingest.pages import extract_page
from digest.ingest.store import StoreResult, store_articles
from digest.ingest.types import RawArticle, Rejection
from digest.ingest.unicode import without_surrogates
from digest.ingest.websub import HubLink, announced_hub
from digest.models import Article, Newsletter, Source, SourceKind, utcnow
from digest.settings import IngestSettings

POLL_WORKERS = 8  # sources downloaded at once
NAME_LIMIT = 200  # characters of a source's name (models.Source.name)
log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class SourceRequest:
    """What downloading a source needs, read from its row before any thread starts."""

    source_id: int
    kind: SourceKind
    location: str
    etag: str | None
    last_modified: str | None

    @classmethod
    def of(cls, source: Source) -> SourceRequest:
        return cls(source.id, source.kind, source.location, source.etag, source.last_modified)


@dataclass
class Download:
    """What a source gave, or why it failed; made without the database, so in any thread."""

    articles: list[RawArticle]
    is_not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    is_page: bool = False
    feed_title: str | None = None
    error: IngestError | None = None
    rejected: list[Rejection] = field(default_factory=list)  # items that could not be read
    is_feed_document: bool = False  # a feed read over HTTP: what it says of a hub counts
    hub: HubLink | None = None  # the WebSub hub it announces, if any
    is_push: bool = False  # a hub delivered it: the validators of the next poll stay


def poll_source(source: Source, settings: IngestSettings) -> PollOutcome:
    """Fetch one source and store what it has; a failure is recorded and never raised."""
    return apply_download(source, download(SourceRequest.of(source), settings), settings)


def download(request: SourceRequest, settings: IngestSettings) -> Download:
    """Read a feed, page, file or folder; a failure of any kind is returned, never raised."""
    try:
        if request.kind is SourceKind.FOLDER:
            return _read_folder(Path(request.location))
        if not request.location.startswith(("http://", "https://")):
            return _read_file(Path(request.location))
        return _download_url(request, settings.allow_private_fetch)
    except Exception as exc:  # a source's boundary: whatever breaks, fails this source alone
        return Download([], error=_source_error(request.source_id, exc))


def apply_download(source: Source, got: Download, settings: IngestSettings) -> PollOutcome:
    """Store what a download brought, or record its failure.

    Teasers' pages are fetched first, before this source writes anything (see
    complete_teasers(): the session's transaction ends there). The source's writes then sit
    in a savepoint: whatever goes wrong undoes this source's work alone and counts as its
    failure; the caller's other work stays.
    """
    if got.error is None:
        complete_teasers(got.articles, settings.allow_private_fetch)
    try:
        with db.session.begin_nested():
            outcome = _store_download(source, got, settings)
    except Exception as exc:  # a source's boundary, as in download()
        error = _source_error(source.id, exc)
        _record_failure(source, error, settings)
        return PollOutcome(source, None, error=str(error))
    _log_polled(outcome)
    return outcome


def _log_polled(outcome: PollOutcome) -> None:
    """A line per poll, and one per item the source had that could not be read."""
    fields, result = about(outcome.source), outcome.result or StoreResult()
    for rejection in result.rejected:
        log.warning("rejected an item: %s", rejection.reason, extra=fields)
    if outcome.is_not_modified:
        log.info("polled: not modified", extra=fields)
        return
    said = f"{result.added} new, {result.updated} updated, {result.unchanged} unchanged"
    log.info("polled: %s", said, extra=fields)


def about(source: Source) -> dict[str, int]:
    """The fields of a log line about a source."""
    return {"source": source.id, "newsletter": source.newsletter_id}


def _store_download(source: Source, got: Download, settings: IngestSettings) -> PollOutcome:
    if got.error is not None:
        raise got.error
    _note_response(source, got)
    if got.is_feed_document:
        note_hub(source, got.hub, utcnow())
    result = store_articles(source, got.articles) if got.articles else StoreResult()
    result.rejected[:0] = got.rejected
    source.failure_count = 0
    source.last_error = None
    source.last_success_at = utcnow()
    db.session.flush()
    return PollOutcome(source, result, is_not_modified=got.is_not_modified)


def _source_error(source_id: int, error: Exception) -> IngestError:
    """The error as the source's failure; one no reader expected is logged with its traceback."""
    if isinstance(error, IngestError):
        return error
    log.error("failed unexpectedly", exc_info=error, extra={"source": source_id})
    return UnexpectedFailure(error)


def _note_response(source: Source, got: Download) -> None:
    if got.is_not_modified or got.is_push or source.kind is SourceKind.FOLDER:
        return
    if got.etag or got.last_modified or source.location.startswith(("http://", "https://")):
        source.etag, source.last_modified = got.etag, got.last_modified
    if got.is_page:
        source.kind = SourceKind.PAGE
    if got.feed_title and source.name == source.location:
        source.name = got.feed_title[:NAME_LIMIT]


def _record_failure(source: Source, error: IngestError, settings: IngestSettings) -> None:
    """Count the failure; pause the source after too many in a row, or at once when it is gone."""
    source.failure_count += 1
    source.last_error = without_surrogates(str(error))[:2000]
    source.last_error_at = utcnow()
    is_gone = isinstance(error, FetchError) and error.status == 410
    if is_gone or source.failure_count >= settings.source_max_failures:
        source.is_active = False
    paused = "" if source.is_active else ", paused"
    count = source.failure_count
    log.warning("failed (%d in a row%s): %s", count, paused, error, extra=about(source))


def _read_file(path: Path) -> Download:
    """A local feed file (with its title, which names the source) or article file."""
    if not is_feed_file(path):
        return Download(read_article_file(path))
    feed = read_feed_file(path)
    return Download(feed.entries, feed_title=feed.title, rejected=feed.rejected)


def _read_folder(folder: Path) -> Download:
    """Every article file of a folder; a file that cannot be read is rejected alone."""
    got = Download([])
    for index, path in enumerate(iter_article_files([folder])):
        try:
            got.articles.extend(read_article_file(path))
        except ArticleFileError as exc:
            got.rejected.append(Rejection(index, str(exc)))
    return got


def _download_url(request: SourceRequest, allow_private: bool) -> Download:
    response = fetch(
        request.location,
        etag=request.etag,
        last_modified=request.last_modified,
        allow_private=allow_private,
    )
    if response.status == 304:
        return Download([], is_not_modified=True)
    got = Download([], etag=response.etag, last_modified=response.last_modified)
    if request.kind is SourceKind.PAGE or _looks_like_html(response.content_type, response.content):
        got.is_page = True
        got.articles = [extract_page(response.content, response.url)]
        return got
    feed = parse_feed(response.content, response.url)
    got.feed_title, got.articles, got.rejected = feed.title, feed.entries, feed.rejected
    got.is_feed_document = True
    got.hub = announced_hub(feed, response.link_header, response.url)
    return got


def _looks_like_html(content_type: str | None, content: bytes) -> bool:
    head = content[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        return False
    return bool(content_type and "html" in content_type) or head.startswith(
        (b"<!doctype html", b"<html")
    )


def complete_teasers(entries: list[RawArticle], allow_private: bool) -> list[RawArticle]:
    """Fetch the page of new entries that carry only a teaser; keep the teaser when that fails.

    Which pages are stored already is read first, and then the session's transaction ends
    (committing whatever the caller flushed), so none stays open while pages download: on
    SQLite a write lock held there keeps every other process from writing, and a read held
    there makes this session's next write fail as "database is locked" when another wrote
    in between.
    """
    teasers = [entry for entry in entries if entry.is_teaser and entry.url]
    if not teasers:
        return entries
    stored = _stored_urls([canonical_url(entry.url) for entry in teasers if entry.url])
    db.session.commit()
    for entry in teasers:
        if entry.url is None or canonical_url(entry.url) in stored:
            continue
        page = _page_of(entry.url, allow_private)
        if page is not None and len(page.text) > len(entry.text):
            entry.text, entry.is_teaser = page.text, False
            entry.image_url = entry.image_url or page.image_url
    return entries


def _page_of(url: str, allow_private: bool) -> RawArticle | None:
    """The article on an entry's page, or None when it cannot be had."""
    try:
        return extract_page(fetch(url, allow_private=allow_private).content, url)
    except IngestError:
        return None
    except Exception as exc:  # one entry's page: the entry keeps its teaser
        log.error("the page of %s could not be read", url, exc_info=exc)
        return None


def _stored_urls(keys: list[str]) -> set[str]:
    found = select(Article.canonical_url).where(Article.canonical_url.in_(keys))
    return set(db.session.scalars(found))


def poll_newsletter_sources(
    settings: IngestSettings, newsletter: Newsletter | None = None
) -> Iterator[PollOutcome]:
    """Poll every active source (of one newsletter, or all), committing after each.

    Downloads run side by side, so a slow server delays only its own source; what
    each brought is stored in this thread, in the order the downloads finish.
    """
    fetched = Source.kind.not_in([SourceKind.IMPORT, SourceKind.MAIL])  # mail comes to us
    query = select(Source).where(Source.is_active.is_(True), fetched)
    if newsletter is not None:
        query = query.where(Source.newsletter_id == newsletter.id)
    requests = [SourceRequest.of(source) for source in db.session.scalars(query)]
    db.session.rollback()  # no transaction stays open while the network is waited on
    if not requests:
        return
    with ThreadPoolExecutor(min(POLL_WORKERS, len(requests))) as pool:
        running = {pool.submit(download, request, settings): request for request in requests}
        for done in as_completed(running):
            source = db.session.get(Source, running[done].source_id)
            outcome = apply_download(source, done.result(), settings)
            db.session.commit()
            yield outcome
