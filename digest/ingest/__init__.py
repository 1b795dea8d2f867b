"""Ingest: fetch, extract, clean and de-duplicate articles from feeds, pages, files and
newsletters mailed in (mail: reading one, pure; inbox: keeping and storing them).

The names below are loaded when first used (PEP 562): feed parsing, HTML
cleaning, page extraction (trafilatura) and near-duplicates (datasketch and
SciPy) cost a process that only serves web pages or sends mail for nothing.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ArticleFileError": "errors",
    "FeedError": "errors",
    "FetchError": "errors",
    "IngestError": "errors",
    "TooLarge": "errors",
    "UnsafeURL": "errors",
    "canonical_url": "canonical",
    "web_url": "canonical",
    "parse_text_article": "clean",
    "NearDuplicateIndex": "dedupe",
    "parse_feed": "feeds",
    "fetch": "http",
    "iter_article_files": "files",
    "read_article_file": "files",
    "extract_page": "pages",
    "FetchResult": "types",
    "ParsedFeed": "types",
    "RawArticle": "types",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
