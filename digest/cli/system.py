"""`digest scheduler`: the long-running process."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo, pass_script_info


@click.command("scheduler")
@pass_script_info
def scheduler(info: ScriptInfo) -> None:
    """Run the scheduler process (exactly one per database)."""
    from digest.schedule.process import run_scheduler

    run_scheduler(info.load_app())


def register(group: click.Group) -> None:
    group.add_command(scheduler)
