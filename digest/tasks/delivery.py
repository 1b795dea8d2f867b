"""Sending an edition through the workers: release it, queue its batches, top them up, wait."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from digest.deliver.progress import counts_of
from digest.deliver.runners.queue import batches_to_queue, settle
from digest.deliver.send import release_edition
from digest.edition.lifecycle import get_edition
from digest.errors import DigestError
from digest.extensions import db
from digest.models import EditionStatus
from digest.settings import Settings
from digest.tasks.queue import BROKER_ERRORS, SEND_TASK, enqueue, queue_length, queue_settings

log = logging.getLogger(__name__)
Progress = Callable[[dict[str, int]], None]
WATCH_SECONDS = 1.0  # how often a waiting `digest send` reads the ledger (a count of rows)
TOP_UP_SECONDS = 2.0  # how often it queues tasks again for rows nobody holds


def queue_edition(
    edition_id: int,
    settings: Settings,
    *,
    wait: bool,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> dict[str, int]:
    """Release (once) an approved edition, or resume a paused one, and queue its batches.

    With `wait`, watch the ledger until no row is pending (queueing tasks again for rows
    whose task was lost or whose lease expired) or a worker paused the edition. Returns
    the ledger's counts, whatever the number of workers. After `timeout` seconds of
    waiting it gives up with a DigestError (the workers go on).
    """
    queue_settings(settings)
    if release_edition(edition_id, settings):
        top_up(edition_id, settings)
        if wait:
            _watch(edition_id, settings, progress, timeout)
        else:
            settle(edition_id, None)
    return counts_of(edition_id)


def top_up(edition_id: int, settings: Settings) -> int:
    """Queue a task for each batch of claimable rows the broker has no task for; returns
    how many were queued (0 when the broker cannot be reached: a later call tries again)."""
    queue = queue_settings(settings)
    try:
        missing = batches_to_queue(edition_id, settings.delivery.batch_size, queue_length(queue))
        return enqueue(queue, SEND_TASK, [edition_id], missing) if missing else 0
    except BROKER_ERRORS as exc:
        log.warning("cannot queue edition %s now: %s", edition_id, exc)
        return 0


def _watch(
    edition_id: int, settings: Settings, progress: Progress | None, timeout: float | None
) -> None:
    """Counting a million rows takes a while: each read waits at least ten times as long
    as the previous one took, so watching costs the database a tenth of a core at most."""
    started = time.monotonic()
    next_top_up = started + TOP_UP_SECONDS
    while True:
        if timeout is not None and time.monotonic() - started > timeout:
            raise DigestError(f"edition {edition_id} still sending after {timeout:.0f} s")
        read_at = time.monotonic()
        counts = counts_of(edition_id)
        pause = max(WATCH_SECONDS, 10 * (time.monotonic() - read_at))
        if progress:
            progress(counts)
        if _status(edition_id) is not EditionStatus.SENDING:
            return
        if not counts["pending"] + counts["retrying"]:
            settle(edition_id, None)
        elif time.monotonic() >= next_top_up:
            read_at = time.monotonic()
            top_up(edition_id, settings)
            next_top_up = time.monotonic() + max(TOP_UP_SECONDS, 10 * (time.monotonic() - read_at))
        time.sleep(pause)


def _status(edition_id: int) -> EditionStatus:
    db.session.rollback()
    return get_edition(edition_id).status
