"""The in-process runner: a few threads, each with its own connection and SMTP transport,
claim batches of one edition and hand each to the engine until no row is pending. Polling
runs here too, one source after another."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from digest.deliver import ledger
from digest.deliver.engine import BatchEnd, BatchJob, BatchResult, send_batch
from digest.deliver.pacing import AdaptiveRate, ConnectBackoff, ConnectionGate, Seat
from digest.deliver.runners import Progress, RunOutcome, is_sending
from digest.deliver.transport import SmtpTransport, Transport
from digest.extensions import db
from digest.models import utcnow
from digest.settings import DeliverySettings, IngestSettings
from digest.words import counted

PROGRESS_SECONDS = 1.0
IDLE_SECONDS = 1.0


class ThreadRunner:
    """Sends with `settings.connections` threads of this process; the default without a broker."""

    name = "threads"

    def __init__(self, transport_factory: Callable[[], Transport] | None = None) -> None:
        self.transport_factory = transport_factory

    def deliver(self, job: BatchJob, *, wait: bool, progress: Progress | None) -> RunOutcome:
        return run_threads(db.engine, job, progress, self.transport_factory, wait)

    def waiting(self) -> int | None:
        return 0  # this process's threads take every batch themselves

    def poll(self, settings: IngestSettings) -> str:
        from digest.ingest.poll import poll_newsletter_sources  # loads the extractors

        outcomes = list(poll_newsletter_sources(settings))
        failed = sum(1 for o in outcomes if o.error)
        added = sum(o.result.added for o in outcomes if o.result)
        polled, new = counted(len(outcomes), "source"), counted(added, "new article")
        return f"{polled} polled, {new}, {failed} failed"


def run_threads(
    engine: Engine,
    job: BatchJob,
    progress: Progress | None = None,
    transport_factory: Callable[[], Transport] | None = None,
    wait_for_retries: bool = True,
) -> RunOutcome:
    """Send the job's edition with `settings.connections` threads until no row is pending
    (or, without `wait_for_retries`, until no row can be sent now)."""
    settings = job.settings
    factory = transport_factory or (lambda: SmtpTransport(settings.smtp))
    stop = threading.Event()
    rate = AdaptiveRate(settings.send_rate)
    gate = ConnectionGate(settings.connections)
    job = dataclasses.replace(job, should_stop=stop.is_set, pace=rate.wait, feedback=rate.record)
    outcome = RunOutcome()
    threads = [
        threading.Thread(
            target=_work,
            args=(engine, job, factory, stop, outcome, wait_for_retries, Seat(gate)),
            daemon=True,
        )
        for _ in range(settings.connections)
    ]
    for thread in threads:
        thread.start()
    try:
        _watch(engine, job.edition_id, threads, progress)
    except KeyboardInterrupt:  # Ctrl-C: let the threads hand their unsent rows back
        stop.set()
        for thread in threads:
            thread.join()
        raise
    if outcome.errors:
        raise outcome.errors[0]
    return outcome


def _watch(engine: Engine, edition_id: int, threads: list, progress: Progress | None) -> None:
    while any(thread.is_alive() for thread in threads):
        deadline = time.monotonic() + PROGRESS_SECONDS
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if progress:
            with engine.connect() as connection:
                progress(ledger.delivery_counts(connection, edition_id))


def _work(
    engine: Engine,
    job: BatchJob,
    factory: Callable[[], Transport],
    stop: threading.Event,
    outcome: RunOutcome,
    wait_for_retries: bool,
    seat: Seat,
) -> None:
    transport = factory()
    try:
        with engine.connect() as connection:
            _claim_and_send(connection, job, transport, stop, outcome, wait_for_retries, seat)
    except BaseException as exc:  # a thread boundary: stop the others, re-raised by run_threads
        outcome.errors.append(exc)
        stop.set()
    finally:
        seat.leave()
        transport.close()


def _claim_and_send(
    connection,
    job: BatchJob,
    transport,
    stop,
    outcome: RunOutcome,
    wait_for_retries: bool,
    seat: Seat,
) -> None:
    settings: DeliverySettings = job.settings
    backoff = ConnectBackoff()
    while not stop.is_set():
        if not is_sending(connection, job.edition_id):  # paused: stop after this batch
            return
        if not seat.take():  # the relay takes fewer connections: this sender waits
            transport.close()
            if not wait_for_retries or ledger.next_due_at(connection, job.edition_id) is None:
                return  # the senders still seated finish the edition
            stop.wait(IDLE_SECONDS)
            continue
        claim = ledger.claim_batch(
            connection, job.edition_id, settings.batch_size, settings.lease, settings.connections
        )
        if not claim.ids:
            job.on_idle(connection)
            if not _wait_for_due_rows(connection, job.edition_id, stop, wait_for_retries):
                return
            continue
        result: BatchResult = send_batch(connection, claim, job, transport)
        if result.end is BatchEnd.PAUSE:
            outcome.pause_reason = outcome.pause_reason or result.pause_reason
            outcome.pause_kind = outcome.pause_kind or result.pause_kind
            stop.set()
        elif result.end is BatchEnd.CONNECTION_LOST:
            if result.refused_as_busy:
                seat.turned_away()
            stop.wait(backoff.failed())
        else:
            backoff.succeeded()


def _wait_for_due_rows(connection, edition_id: int, stop: threading.Event, wait: bool) -> bool:
    """Sleep until a pending row may be claimable; False when none is pending (or, without
    `wait`, when none is claimable within the idle interval)."""
    due = ledger.next_due_at(connection, edition_id)
    if due is None or (not wait and (due - utcnow()).total_seconds() > IDLE_SECONDS):
        return False
    stop.wait(min(max((due - utcnow()).total_seconds(), 0.02), IDLE_SECONDS))
    return True
