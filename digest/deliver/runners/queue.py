"""The queue runner: what one task does in a worker process, and how much work is left to queue.

A task names an edition, never rows: it claims one batch of that edition's due
rows (FOR UPDATE SKIP LOCKED), hands it to the engine and settles the edition
when nothing is pending. A task that arrives twice claims another batch or
nothing; a task that is lost leaves its rows unleased or their lease expiring,
and `batches_to_queue` counts them so the coordinator (the scheduler, or a
waiting `digest send`) queues tasks for them again. The ledger stays the truth.

No Celery here: the task-queue face (digest/tasks) calls `QueueRunner.run_batch`
inside an app context.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select

from digest.deliver import dispatch, ledger
from digest.deliver.engine import BatchEnd, BatchJob, BatchResult, send_batch
from digest.deliver.limits import SharedLimits
from digest.deliver.pacing import ConnectBackoff
from digest.deliver.send import batch_job
from digest.deliver.transport import SmtpTransport, Transport
from digest.edition import lifecycle
from digest.errors import EditionUnsendable
from digest.extensions import db
from digest.models import Edition, EditionStatus
from digest.settings import Settings

KEPT_JOBS = 8  # editions whose compiled message a worker keeps
STATUS_SECONDS = 1.0  # how stale a worker's view of "is the edition still sending" may be


class QueueRunner:
    """One per worker process: its sending threads share the compiled editions, each keeps
    its own SMTP connection from task to task, and `stop` ends every batch after the
    message in flight (SIGTERM)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        limits: SharedLimits | None,
        transport_factory: Callable[[], Transport] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.limits = limits
        self.factory = transport_factory or (lambda: SmtpTransport(settings.delivery.smtp))
        self.stop = threading.Event()
        self._jobs: dict[tuple[int, datetime], BatchJob] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._transports: list[Transport] = []
        self._sending: dict[int, tuple[float, bool]] = {}

    def run_batch(self, edition_id: int) -> str:
        """Claim and send one batch of the edition; returns what happened, for the task log."""
        if self.stop.is_set():
            return "stopping"
        with self.engine.connect() as connection:
            state = _edition_state(connection, edition_id)
            if state is None or state[0] is not EditionStatus.SENDING or state[1] is None:
                return "edition not sending"
            try:
                job = self._job(edition_id, state[1])
            except EditionUnsendable as exc:
                unsendable_pause(edition_id, exc)
                return f"paused: {exc.reason}"
            delivery = self.settings.delivery
            claim = ledger.claim_batch(connection, edition_id, delivery.batch_size, delivery.lease)
            if not claim.ids:
                return settle(edition_id, None) or "nothing to claim"
            result = send_batch(connection, claim, job, self._transport())
        if result.end is BatchEnd.PAUSE:  # this process's other threads stop at their next row
            self._sending[edition_id] = (time.monotonic(), False)
        if result.end is BatchEnd.CONNECTION_LOST:
            self.stop.wait(self._backoff().failed())
        elif result.end is BatchEnd.DONE:
            self._backoff().succeeded()
        done = settle(edition_id, result)
        return f"{len(claim.ids)} rows: {result.end.value}" + (f"; {done}" if done else "")

    def close(self) -> None:
        for transport in self._transports:
            transport.close()
        if self.limits:
            self.limits.close()

    def _job(self, edition_id: int, released_at: datetime) -> BatchJob:
        """The edition's job, compiled once per process (keyed by its release, so a database
        that was emptied and filled again never reuses a stale one)."""
        key = (edition_id, released_at)
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = self._make_job(edition_id)
                while len(self._jobs) >= KEPT_JOBS:
                    self._jobs.pop(next(iter(self._jobs)))
                self._jobs[key] = job
        return job

    def _make_job(self, edition_id: int) -> BatchJob:
        edition = lifecycle.get_edition(edition_id)
        try:
            job = batch_job(edition, dispatch.prepare(edition, self.settings), self.settings)
        finally:
            db.session.rollback()
        shared = {}
        if self.limits:
            shared = {"admit": self.limits.admit, "slow_down": self.limits.slow_down}
        return dataclasses.replace(job, should_stop=lambda: self._should_stop(edition_id), **shared)

    def _should_stop(self, edition_id: int) -> bool:
        """Stop on SIGTERM, or once another worker paused (or someone cancelled) the edition:
        the status is read again at most every STATUS_SECONDS."""
        if self.stop.is_set():
            return True
        checked_at, is_sending = self._sending.get(edition_id, (0.0, True))
        if time.monotonic() - checked_at >= STATUS_SECONDS:
            with self.engine.connect() as connection:
                state = _edition_state(connection, edition_id)
            is_sending = state is not None and state[0] is EditionStatus.SENDING
            self._sending[edition_id] = (time.monotonic(), is_sending)
        return not is_sending

    def _transport(self) -> Transport:
        transport = getattr(self._local, "transport", None)
        if transport is None:
            transport = self._local.transport = self.factory()
            with self._lock:
                self._transports.append(transport)
        return transport

    def _backoff(self) -> ConnectBackoff:
        backoff = getattr(self._local, "backoff", None)
        if backoff is None:
            backoff = self._local.backoff = ConnectBackoff()
        return backoff


def _edition_state(connection, edition_id: int) -> tuple[EditionStatus, datetime | None] | None:
    with connection.begin():
        found = connection.execute(
            select(Edition.status, Edition.released_at).where(Edition.id == edition_id)
        ).first()
    return (found[0], found[1]) if found else None


def settle(edition_id: int, result: BatchResult | None) -> str | None:
    """Pause the edition for the reason a batch gave, or mark it sent once no row is pending.

    Any number of workers may call this at once: the edition's row is locked and its
    status read again first, so exactly one of them moves it.
    """
    pause = result is not None and result.end is BatchEnd.PAUSE
    with db.engine.connect() as connection:
        if not pause and ledger.has_pending(connection, edition_id):
            return None
    try:
        edition = db.session.get(Edition, edition_id, with_for_update=True, populate_existing=True)
        if pause and result.pause_kind:  # even if another worker paused it first
            _reopen_streak(edition_id, result.pause_kind)
        if edition is None or edition.status is not EditionStatus.SENDING:
            return None
        if pause:
            lifecycle.pause(edition, result.pause_reason or "paused")
            said = f"paused: {result.pause_reason}"
        else:
            with db.engine.connect() as connection:
                if ledger.has_pending(connection, edition_id):
                    return None
            lifecycle.transition(edition, EditionStatus.SENT)
            said = "edition sent"
        db.session.commit()
        return said
    finally:
        db.session.rollback()


def _reopen_streak(edition_id: int, kind: str) -> None:
    """The streak blamed the server, not the recipients: its rows go back to pending."""
    with db.engine.connect() as connection:
        ledger.reopen_rows(connection, ledger.streak_rows(connection, edition_id, kind))


def batches_to_queue(edition_id: int, batch_size: int, queued: int) -> int:
    """Tasks to add so every claimable row (never leased, or its lease expired) has one,
    given `queued` tasks already waiting in the broker."""
    with db.engine.connect() as connection:
        claimable = ledger.claimable_count(connection, edition_id)
    return max(0, math.ceil(claimable / batch_size) - queued)


def unsendable_pause(edition_id: int, error: EditionUnsendable) -> None:
    """A worker could not compile the edition: pause it with the reason, as the threads do."""
    db.session.rollback()
    edition = db.session.get(Edition, edition_id, with_for_update=True)
    if edition is not None and edition.status is EditionStatus.SENDING:
        lifecycle.pause(edition, error.reason)
        db.session.commit()
