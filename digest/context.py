"""What faces read from the app they run in: its settings and its runner, chosen once.

Faces import this, never digest.app, so no face depends on the factory that wires them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from digest.deliver.runners import Runner
    from digest.settings import Settings

SETTINGS = "digest.settings"
RUNNER = "digest.runner"
RUNNER_FACTORY = "digest.runner_factory"


def current_settings() -> Settings:
    """The settings of the app handling this request, command or job."""
    return current_app.extensions[SETTINGS]


def current_runner() -> Runner:
    """How this app sends editions and polls sources (threads, or queue workers), built on
    first use from the settings, so a process that never sends never loads Celery."""
    extensions = current_app.extensions
    runner = extensions.get(RUNNER)
    if runner is None:
        runner = extensions[RUNNER] = extensions[RUNNER_FACTORY]()
    return runner
