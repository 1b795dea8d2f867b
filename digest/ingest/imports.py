"""Articles brought in by hand rather than polled: one door, `import_articles`, for the CLI's
files and folders, the admin's uploads and the API's JSON payloads.

Files and payloads go to the newsletter's import source ("Imported", which an admin may
rename), except a feed file's entries: they go to a source of their own, named after the feed.
Operations flush and never commit: the command or request that called them commits once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from digest.errors import InvalidInput
from digest.ingest.errors import IngestError
from digest.ingest.files import (
    SUPPORTED_SUFFIXES,
    is_feed_file,
    iter_article_files,
    parse_api_items,
    read_article_file,
    read_feed_file,
)
from digest.ingest.poll import NAME_LIMIT, add_source_row, import_source
from digest.ingest.store import StoreResult, store_articles
from digest.ingest.types import Rejection
from digest.models import Newsletter, Source, SourceKind

UPLOAD_LIMIT = 5 * 1024 * 1024  # bytes in one uploaded file


@dataclass(frozen=True)
class Upload:
    """A file sent through the browser: the name it was sent under, and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Payload:
    """The JSON body of POST /api/articles: one article object or a list of them."""

    body: object


Importable = Path | Upload | Payload
# Wraps the list of work in a context that yields it to iterate: a progress bar
# (click.progressbar fits), or nothing at all.
Progress = Callable[[list[Importable]], AbstractContextManager[Iterable[Importable]]]


def import_articles(
    newsletter: Newsletter, items: Iterable[Importable], progress: Progress = nullcontext
) -> StoreResult:
    """Store the articles of files (a folder stands for its article files), uploads and payloads.

    A file that cannot be read stops the import with an error; a payload's bad items are
    rejected with their index in it and the good ones stored.
    """
    total = StoreResult()
    with progress(_work(list(items))) as steps:
        for item in steps:
            total += _import_one(newsletter, item)
    return total


def _work(items: list[Importable]) -> list[Importable]:
    """The items with folders expanded, once every path named is known to exist."""
    for item in items:
        if isinstance(item, Path) and not item.exists():
            raise InvalidInput(f"no such file or folder: {item}")
    return [
        found
        for item in items
        for found in (iter_article_files([item]) if isinstance(item, Path) else [item])
    ]


def _import_one(newsletter: Newsletter, item: Importable) -> StoreResult:
    if isinstance(item, Payload):
        return _import_payload(newsletter, item.body)
    if isinstance(item, Upload):
        return _import_upload(newsletter, item)
    return _import_file(newsletter, item)


def _import_file(newsletter: Newsletter, path: Path) -> StoreResult:
    """The articles of one file; ArticleFileError when it cannot be read."""
    if not is_feed_file(path):
        return store_articles(import_source(newsletter), read_article_file(path))
    feed = read_feed_file(path)
    result = store_articles(feed_import_source(newsletter, feed.title), feed.entries)
    result.rejected[:0] = feed.rejected
    return result


def feed_import_source(newsletter: Newsletter, feed_title: str | None) -> Source:
    """The source an imported feed's entries belong to: one per feed title, named after it."""
    if not feed_title:
        return import_source(newsletter)
    name = feed_title[:NAME_LIMIT]
    return add_source_row(newsletter, SourceKind.IMPORT, f"import:{name}", name)


def _import_upload(newsletter: Newsletter, upload: Upload) -> StoreResult:
    """An uploaded file (text, HTML, JSON, .eml or a feed file), read from a private temporary
    copy; InvalidInput names the file as it was sent, never the copy."""
    name = upload.filename or "the file"
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise InvalidInput(f"{name}: not an article file (use {kinds})")
    if len(upload.data) > UPLOAD_LIMIT:
        raise InvalidInput(f"{name}: larger than {UPLOAD_LIMIT // (1024 * 1024)} MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(upload.data)
        try:
            return _import_file(newsletter, path)
        except IngestError as exc:
            raise InvalidInput(f"{name}: {str(exc).replace(str(path), 'the file')}") from None


def _import_payload(newsletter: Newsletter, payload: object) -> StoreResult:
    """The good items of a payload; each bad one is rejected with its index in it."""
    articles, rejected = parse_api_items(payload)
    indexes = list(articles)
    result = store_articles(import_source(newsletter), list(articles.values()))
    rejected += [Rejection(indexes[r.index], r.reason) for r in result.rejected]
    result.rejected = sorted(rejected, key=lambda rejection: rejection.index)
    return result
