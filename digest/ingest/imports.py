"""Articles brought in by hand rather than polled: API payloads."""

from __future__ import annotations

from digest.ingest.files import parse_api_items
from digest.ingest.poll import import_source
from digest.ingest.store import StoreResult, store_articles
from digest.ingest.types import Rejection
from digest.models import Newsletter


def import_api_items(newsletter: Newsletter, payload: object) -> StoreResult:
    """Store the good items of a payload; each bad one is rejected with its index in it."""
    articles, rejected = parse_api_items(payload)
    indexes = list(articles)
    result = store_articles(import_source(newsletter), list(articles.values()))
    rejected += [Rejection(indexes[r.index], r.reason) for r in result.rejected]
    result.rejected = sorted(rejected, key=lambda rejection: rejection.index)
    return result
