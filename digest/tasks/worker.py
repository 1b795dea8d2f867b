"""`flask digest worker`: a Celery worker (threads) that sends batches and polls sources.

One process per core is the way to use a machine: sending is partly CPU (filling
in and encoding each message), and a process's threads share one interpreter.
`--concurrency` sets the threads, each with its own SMTP connection.
SIGTERM (Celery's warm shutdown) lets every thread finish the message in flight
and hand the rest of its batch back; SIGKILL leaves the rows leased until their
lease expires, then the coordinator queues them again.
"""

from __future__ import annotations

import logging
import os

from celery import signals
from flask import Flask

from digest.context import settings_of
from digest.deliver.limits import SharedLimits
from digest.deliver.runners.queue import BatchWorker
from digest.extensions import db
from digest.logs import log_context
from digest.settings import Settings
from digest.tasks.polling import poll_one
from digest.tasks.queue import (
    POLL_QUEUE,
    POLL_TASK,
    SEND_QUEUE,
    SEND_TASK,
    celery_for,
    queue_settings,
)

log = logging.getLogger(__name__)


def run_worker(app: Flask, concurrency: int | None = None, loglevel: str | None = None) -> None:
    """Block running the worker until it is told to stop."""
    settings: Settings = settings_of(app)
    with app.app_context():
        queue = queue_settings(settings)
        engine = db.engine
    limits = SharedLimits(
        queue.broker_url, settings.delivery.send_rate, queue.domain_backoff_seconds
    )
    runner = BatchWorker(engine, settings, limits)
    celery = celery_for(queue.broker_url)
    _register_tasks(celery, app, runner, settings)
    _connect_signals(runner, loglevel)
    celery.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency or queue.concurrency}",
            f"--queues={SEND_QUEUE},{POLL_QUEUE}",
            f"--loglevel={logging.getLevelName(logging.getLogger().level)}",
            f"--hostname=digest-{os.getpid()}@%h",  # one name per process, for Flower and Celery
            "--without-gossip",
            "--without-mingle",
        ]
    )


def _connect_signals(runner: BatchWorker, loglevel: str | None) -> None:
    """The runner stops with the worker. Logging stays the app's (digest/logs.py), at
    `loglevel` if given: while `setup_logging` has a receiver, Celery configures none of its
    own (no root handler, no task loggers apart, no stdout/stderr redirect)."""
    if loglevel:
        logging.getLogger().setLevel(loglevel)
    signals.setup_logging.connect(lambda **_: None, weak=False)
    signals.worker_shutting_down.connect(lambda **_: runner.stop.set(), weak=False)
    signals.worker_shutdown.connect(lambda **_: runner.close(), weak=False)


def _register_tasks(celery, app: Flask, runner: BatchWorker, settings: Settings) -> None:
    @celery.task(name=SEND_TASK)
    def send_batch(edition_id: int) -> str:
        with app.app_context(), log_context(edition=edition_id):
            try:
                return runner.run_batch(edition_id)
            finally:
                db.session.remove()

    @celery.task(name=POLL_TASK)
    def poll_source(source_id: int) -> str:
        with app.app_context(), log_context(source=source_id):
            try:
                return poll_one(source_id, settings)
            finally:
                db.session.remove()
