"""The application factory: a table of contents of what the web and CLI app is made of.

Every route is registered when the app is made, so the URL map is complete in requests,
commands and jobs alike; the views behind the routes, with their forms and the models, load
on the first request that needs them (digest/web/routes.py). Flask-Migrate with Alembic
(about 0.2 s) attaches only when a migration runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError

from config import Config
from digest.context import RUNNER_FACTORY, SETTINGS
from digest.errors import ConfigurationError
from digest.extensions import db, limiter
from digest.logs import configure_logging
from digest.settings import Settings, settings_from, shipped

if TYPE_CHECKING:
    from digest.deliver.runners import Runner

__all__ = ["create_app", "create_app_or_exit", "upgrade_database"]

MIGRATIONS = shipped("migrations")
# Settings never to appear in a log line, and the URLs whose password must not either.
SECRET_SETTINGS = (
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "SMTP_PASSWORD",
    "API_TOKEN",
    "METRICS_TOKEN",
)
URL_SETTINGS = ("SQLALCHEMY_DATABASE_URI", "BROKER_URL", "BOUNCE_MAILBOX", "RATELIMIT_STORAGE_URI")


def create_app(config: Config | None = None) -> Flask:
    """Build the web/CLI application; it never starts a scheduler."""
    templates, static = shipped("templates"), shipped("static")
    app = Flask(__name__, template_folder=str(templates), static_folder=str(static))
    app.config.from_object(config or Config())
    settings = app.extensions[SETTINGS] = settings_from(app.config)
    app.extensions[RUNNER_FACTORY] = lambda: choose_runner(settings)
    trust_proxies(app)
    init_extensions(app)
    register_web(app)
    register_commands(app)
    setup_logging(app)
    return app


def create_app_or_exit() -> Flask:
    """create_app() for a process a person starts (`digest`, gunicorn): a bad setting is one
    line naming it and exit status 1, never a traceback."""
    try:
        return create_app()
    except ConfigurationError as exc:
        raise SystemExit(f"digest: {exc}") from None


def choose_runner(settings: Settings) -> Runner:
    """The one place that reads the broker setting: queue workers when a broker is set (after
    checking queue mode can run here), else this process's threads."""
    if settings.queue is None:
        from digest.deliver.runners.threads import ThreadRunner

        return ThreadRunner()
    from digest.deliver.runners.queue import QueueRunner
    from digest.tasks.mode import queue_settings
    from digest.tasks.queue import CeleryTaskQueue  # loads Celery, in queue mode only

    return QueueRunner(settings, CeleryTaskQueue(queue_settings(settings)))


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the visitor's address from X-Forwarded-For, so rate
    limits count visitors, not the proxy."""
    count = app.config["TRUSTED_PROXIES"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def setup_logging(app: Flask) -> None:
    """The process's one logging setup (digest/logs.py), told what it must never show: the
    secret settings and the token in a signed link's path (every route with a `<token>`)."""
    token_paths = {
        rule.rule.partition("<token>")[0]
        for rule in app.url_map.iter_rules()
        if "token" in rule.arguments
    }
    configure_logging(
        app.config["LOG_LEVEL"], app.config["LOG_FORMAT"], secrets_in(app.config), token_paths
    )


def secrets_in(config: Mapping[str, object]) -> set[str]:
    """The secret values among the settings: keys, tokens, passwords, and those inside URLs."""
    values: list[object] = []
    for name in SECRET_SETTINGS:
        value = config.get(name)
        values.extend(value if isinstance(value, list | tuple) else [value])
    for name in URL_SETTINGS:
        value = config.get(name)
        password = urlsplit(value).password if isinstance(value, str) else None
        values.extend([password, unquote(password)] if password else ())
    return {value for value in values if isinstance(value, str) and value}


def init_extensions(app: Flask) -> None:
    make_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        db.init_app(app)  # makes the engine: the URL's dialect and driver load here
    except (ArgumentError, ImportError) as exc:  # the message never holds the URL's password
        raise ConfigurationError(f"DIGEST_DATABASE_URL cannot be used: {exc}") from None
    limiter.init_app(app)


def make_sqlite_folder(url: str) -> None:
    """An SQLite file's folder is made when missing (the default instance folder of a fresh
    install), since SQLite only says "unable to open database file"."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = Path(url.removeprefix("sqlite:///").partition("?")[0])
        path.parent.mkdir(parents=True, exist_ok=True)


def attach_migrations(app: Flask) -> None:
    """Flask-Migrate, for `flask db ...` and upgrade_database(); Alembic loads with it."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from digest import models  # noqa: F401  (autogenerate compares against every table)

        Migrate(app, db, render_as_batch=True, directory=str(MIGRATIONS))


def upgrade_database(app: Flask) -> None:
    """Bring the app's database to the newest migration (`flask --app wsgi db upgrade`)."""
    import flask_migrate

    attach_migrations(app)
    with app.app_context():
        flask_migrate.upgrade()


def register_web(app: Flask) -> None:
    from digest.web import register

    register(app)


def register_commands(app: Flask) -> None:
    from digest.cli import register

    register(app)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys on every SQLite connection."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
