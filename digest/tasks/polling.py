"""Polling in queue mode: one task per source, so sources poll in parallel across workers,
and a lock in Redis so a source is polled by at most one of them at a time."""

from __future__ import annotations

import secrets

from digest.extensions import db
from digest.models import Source
from digest.settings import Settings
from digest.tasks.queue import queue_settings, redis_for

LOCK_SECONDS = 900  # longer than any poll: fetches have a wall-clock deadline
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def poll_one(source_id: int, settings: Settings) -> str:
    """Poll one source unless another worker is polling it; commits what it stored."""
    from digest.ingest.poll import poll_source  # loads the extractors, in workers only

    client = redis_for(queue_settings(settings).broker_url)
    key, token = f"digest:poll:{source_id}", secrets.token_hex(8)
    if not client.set(key, token, nx=True, ex=LOCK_SECONDS):
        return f"source {source_id} is being polled already"
    try:
        source = db.session.get(Source, source_id)
        if source is None or not source.is_active:
            return f"source {source_id} is gone or paused"
        outcome = poll_source(source, settings.ingest)
        db.session.commit()
        if outcome.error:
            return f"source {source_id} failed: {outcome.error}"
        added = outcome.result.added if outcome.result else 0
        return f"source {source_id}: {added} new"
    finally:
        db.session.rollback()
        client.eval(_RELEASE, 1, key, token)
