"""Articles brought in by hand rather than polled: files and API payloads.

Files and payloads go to the newsletter's import source ("Imported", which an admin may
rename), except a feed file's entries: they go to a source of their own, named after the feed.
"""

from __future__ import annotations

from pathlib import Path

from digest.ingest.files import is_feed_file, parse_api_items, read_article_file, read_feed_file
from digest.ingest.poll import NAME_LIMIT, add_source_row, import_source
from digest.ingest.store import StoreResult, store_articles
from digest.ingest.types import Rejection
from digest.models import Newsletter, Source, SourceKind


def import_file(newsletter: Newsletter, path: Path) -> StoreResult:
    """Store the articles of one file; ArticleFileError when it cannot be read."""
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


def import_api_items(newsletter: Newsletter, payload: object) -> StoreResult:
    """Store the good items of a payload; each bad one is rejected with its index in it."""
    articles, rejected = parse_api_items(payload)
    indexes = list(articles)
    result = store_articles(import_source(newsletter), list(articles.values()))
    rejected += [Rejection(indexes[r.index], r.reason) for r in result.rejected]
    result.rejected = sorted(rejected, key=lambda rejection: rejection.index)
    return result
