"""`digest scheduler` and `digest worker`: the long-running processes."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info


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
@click.option("--loglevel", default="INFO", show_default=True, help="Celery's log level.")
@pass_script_info
def worker(info: ScriptInfo, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker that sends and polls (needs DIGEST_BROKER_URL and PostgreSQL)."""
    from digest.tasks.worker import run_worker  # loads Celery, in queue mode only

    run_worker(info.load_app(), concurrency, loglevel)


def register(group: click.Group) -> None:
    group.add_command(scheduler)
    group.add_command(worker)
