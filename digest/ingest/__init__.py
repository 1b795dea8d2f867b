"""Ingest: fetch, extract, clean and de-duplicate articles from feeds, pages and files.

NearDuplicateIndex is loaded when first used (PEP 562): it needs datasketch and
SciPy, which a process that never stores articles should not pay for. Page
extraction loads trafilatura only when a page is read.
"""

from __future__ import annotations

from digest.ingest.canonical import canonical_url, web_url
from digest.ingest.clean import parse_text_article
from digest.ingest.errors import (
    ArticleFileError,
    FeedError,
    FetchError,
    IngestError,
    TooLarge,
    UnsafeURL,
)
from digest.ingest.feeds import parse_feed
from digest.ingest.fetch import fetch
from digest.ingest.files import iter_article_files, read_article_file
from digest.ingest.pages import extract_page
from digest.ingest.types import FetchResult, ParsedFeed, RawArticle

__all__ = [
    "ArticleFileError",
    "FeedError",
    "FetchError",
    "FetchResult",
    "IngestError",
    "NearDuplicateIndex",
    "ParsedFeed",
    "RawArticle",
    "TooLarge",
    "UnsafeURL",
    "canonical_url",
    "extract_page",
    "fetch",
    "iter_article_files",
    "parse_feed",
    "parse_text_article",
    "read_article_file",
    "web_url",
]


def __getattr__(name: str) -> object:
    if name == "NearDuplicateIndex":
        from digest.ingest.dedupe import NearDuplicateIndex

        return NearDuplicateIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
