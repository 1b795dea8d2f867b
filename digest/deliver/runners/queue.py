"""Queue mode: the coordinator's runner and what one task does in a worker process.

`QueueRunner` is the runner the door uses when a broker is set: it queues one task per
batch of claimable rows and, asked to wait, watches the ledger, queueing tasks again for
rows whose task was lost or whose lease expired. `BatchWorker` is what a task runs in a
worker: it claims one batch of the edition's due rows (FOR UPDATE SKIP LOCKED), hands it to
the engine and settles the edition through the door's `settle_edition`. A task names an
edition, never rows: a task that arrives twice claims another batch or nothing. The ledger
stays the truth.

No Celery here: digest.tasks implements the `TaskQueue` protocol and calls
`BatchWorker.run_batch` inside an app context.
"""

from __future__ import annotations

import dataclasses
import logging
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
from digest.deliver.progress import counts_of
from digest.deliver.runners import Progress, RunOutcome, TaskQueue, edition_state
from digest.deliver.send import batch_job, pause_unsendable, settle_edition
from digest.deliver.transport import SmtpTransport, Transport
from digest.edition import lifecycle
from digest.errors import DigestError, EditionUnsendable
from digest.extensions import db
from digest.models import EditionStatus, Source, SourceKind
from digest.settings import IngestSettings, Settings
from digest.words import counted

log = logging.getLogger(__name__)
KEPT_JOBS = 8  # editions whose compiled message a worker keeps
STATUS_SECONDS = 1.0  # how stale a worker's view of "is the edition still sending" may be
WATCH_SECONDS = 1.0  # how often a waiting coordinator reads the ledger (a count of rows)
TOP_UP_SECONDS = 2.0  # how often it queues tasks again for rows nobody holds


class QueueRunner:
    """The coordinator's side: the scheduler or a waiting `digest send` queues and watches;
    workers on any number of machines send. `timeout` bounds a wait (None: no bound)."""

    name = "queue"

    def __init__(self, settings: Settings, tasks: TaskQueue, timeout: float | None = None) -> None:
        self.settings = settings
        self.tasks = tasks
        self.timeout = timeout

    def deliver(self, job: BatchJob, *, wait: bool, progress: Progress | None) -> RunOutcome:
        self.top_up(job.edition_id)
        if wait:
            self._watch(job.edition_id, progress)
        return RunOutcome()  # the workers paused or settled the edition themselves

    def waiting(self) -> int | None:
        try:
            return self.tasks.waiting()
        except self.tasks.errors:
            return None

    def poll(self, settings: IngestSettings) -> str:
        ids = db.session.scalars(
            select(Source.id).where(
                Source.is_active.is_(True), Source.kind.not_in([SourceKind.IMPORT, SourceKind.MAIL])
            )
        ).all()
        db.session.rollback()
        self.tasks.poll_sources(list(ids))
        return f"{counted(len(ids), 'source poll')} queued"

    def top_up(self, edition_id: int) -> int:
        """Queue a task for each batch of claimable rows the broker has no task for; returns
        how many were queued (0 when the broker cannot be reached: a later call tries again)."""
        try:
            missing = batches_to_queue(
                edition_id, self.settings.delivery.batch_size, self.tasks.waiting()
            )
            if missing:
                self.tasks.send_batches(edition_id, missing)
            return missing
        except self.tasks.errors as exc:
            log.warning("cannot queue batches now: %s", exc, extra={"edition": edition_id})
            return 0

    def _watch(self, edition_id: int, progress: Progress | None) -> None:
        """Until no row is pending or a worker paused the edition. Counting a million rows
        takes a while: each read waits at least ten times as long as the previous one took,
        so watching costs the database a tenth of a core at most."""
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        next_top_up = time.monotonic() + TOP_UP_SECONDS
        while deadline is None or time.monotonic() < deadline:
            read_at = time.monotonic()
            counts = counts_of(edition_id)
            wait = max(WATCH_SECONDS, 10 * (time.monotonic() - read_at))
            if progress:
                progress(counts)
            if not counts["pending"] + counts["retrying"] or not _is_sending(edition_id):
                return  # the door settles it
            if time.monotonic() >= next_top_up:
                next_top_up = self._timed_top_up(edition_id)
            time.sleep(wait)
        raise DigestError(f"edition {edition_id} still sending after {self.timeout:.0f} s")

    def _timed_top_up(self, edition_id: int) -> float:
        """Top up; returns when to do it next (ten times what this one took, at least)."""
        started = time.monotonic()
        self.top_up(edition_id)
        return time.monotonic() + max(TOP_UP_SECONDS, 10 * (time.monotonic() - started))


def _is_sending(edition_id: int) -> bool:
    with db.engine.connect() as connection:
        return edition_state(connection, edition_id)[0] is EditionStatus.SENDING


class BatchWorker:
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
            status, released_at = edition_state(connection, edition_id)
            if status is not EditionStatus.SENDING or released_at is None:
                return "edition not sending"
            try:
                job = self._job(edition_id, released_at)
            except EditionUnsendable as exc:
                pause_unsendable(edition_id, exc)
                return f"paused: {exc.reason}"
            delivery = self.settings.delivery
            claim = ledger.claim_batch(connection, edition_id, delivery.batch_size, delivery.lease)
            if not claim.ids:
                return settle_edition(edition_id) or "nothing to claim"
            result = send_batch(connection, claim, job, self._transport())
        if result.end is BatchEnd.PAUSE:  # this process's other threads stop at their next row
            self._sending[edition_id] = (time.monotonic(), False)
        if result.end is BatchEnd.CONNECTION_LOST:
            self.stop.wait(self._backoff().failed())
        elif result.end is BatchEnd.DONE:
            self._backoff().succeeded()
        done = _settle(edition_id, result)
        said = f"{counted(len(claim.ids), 'row')}: {result.end.value}"
        return said + (f"; {done}" if done else "")

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
        job = dataclasses.replace(job, should_stop=lambda: self._should_stop(edition_id))
        if self.limits:
            limits = self.limits
            job = dataclasses.replace(
                job, admit=limits.admit, slow_down=limits.slow_down, feedback=limits.record
            )
        return job

    def _should_stop(self, edition_id: int) -> bool:
        """Stop on SIGTERM, or once another worker paused (or someone cancelled) the edition:
        the status is read again at most every STATUS_SECONDS."""
        if self.stop.is_set():
            return True
        checked_at, is_sending = self._sending.get(edition_id, (0.0, True))
        if time.monotonic() - checked_at >= STATUS_SECONDS:
            with self.engine.connect() as connection:
                is_sending = edition_state(connection, edition_id)[0] is EditionStatus.SENDING
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


def _settle(edition_id: int, result: BatchResult) -> str | None:
    if result.end is BatchEnd.PAUSE:
        return settle_edition(edition_id, result.pause_reason or "paused", result.pause_kind)
    return settle_edition(edition_id)


def batches_to_queue(edition_id: int, batch_size: int, queued: int) -> int:
    """Tasks to add so every claimable row (never leased, or its lease expired) has one,
    given `queued` tasks already waiting in the broker."""
    with db.engine.connect() as connection:
        claimable = ledger.claimable_count(connection, edition_id)
    return max(0, math.ceil(claimable / batch_size) - queued)
