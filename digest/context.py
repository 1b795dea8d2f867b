"""What faces read from the app they run in: its settings and its runner, chosen once.

Faces import this, never digest.app, so no face depends on the factory that wires them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from digest.deliver.runners import Runner
    from digest.settings import Settings

SETTINGS = "digest.settings"
RUNNER = "digest.runner"
RUNNER_FACTORY = "digest.runner_factory"


def current_settings() -> Settings:
    """The settings of the app handling this request, command or job."""
    return current_app.extensions[SETTINGS]


def settings_of(app: Flask) -> Settings:
    """The settings of an app, outside its context (a process starting up, a thread)."""
    return app.extensions[SETTINGS]


def current_runner() -> Runner:
    """How this app sends editions and polls sources (threads, or queue workers), built on
    first use from the settings, so a process that never sends never loads Celery."""
    extensions = current_app.extensions
    runner = extensions.get(RUNNER)
    if runner is None:
        runner = extensions[RUNNER] = extensions[RUNNER_FACTORY]()
    return runner


def external_url(endpoint: str, **values: object) -> str:
    """The absolute URL of a page on DIGEST_BASE_URL, for links that leave the site in mail or
    in a snippet: the same in a request, a job or a command, never taken from a request's Host."""
    config = current_app.config
    adapter = current_app.url_map.bind(
        config["SERVER_NAME"],
        script_name=config["APPLICATION_ROOT"],
        url_scheme=config["PREFERRED_URL_SCHEME"],
    )
    return adapter.build(endpoint, values, force_external=True)
