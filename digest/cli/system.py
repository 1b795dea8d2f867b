"""`digest scheduler` and `digest worker`: the long-running processes."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info

from digest.logs import LEVELS


@click.command("scheduler")
@pass_script_info
def scheduler(info: ScriptInfo) -> None:
    """Run the scheduler process (exactly one per database)."""
    from digest.schedule.process import run_scheduler

    run_scheduler(info.load_app())


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Sending threads (default DIGEST_WORKER_CONCURRENCY, 4).",
)
@click.option(
    "--loglevel",
    type=click.Choice(LEVELS, case_sensitive=False),
    default=None,
    help="This worker's log level (default DIGEST_LOG_LEVEL, INFO).",
)
@pass_script_info
def worker(info: ScriptInfo, concurrency: int | None, loglevel: str | None) -> None:
    """Run a Celery worker that sends and polls (needs DIGEST_BROKER_URL and PostgreSQL)."""
    from digest.tasks.worker import run_worker  # loads Celery, in queue mode only

    run_worker(info.load_app(), concurrency, loglevel and loglevel.upper())


def register(group: click.Group) -> None:
    group.add_command(scheduler)
    group.add_command(worker)
