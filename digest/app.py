"""The application factory: a table of contents of what the web and CLI app is made of."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import Config
from digest.extensions import csrf, db, limiter, login_manager, migrate
from digest.settings import Settings, settings_from

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: Config | None = None) -> Flask:
    """Build the web/CLI application; it never starts a scheduler."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_object(config or Config())
    app.extensions["digest.settings"] = settings_from(app.config)
    trust_proxies(app)
    init_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def current_settings() -> Settings:
    """The settings of the app handling this request, command or job."""
    return current_app.extensions["digest.settings"]


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the visitor's address from X-Forwarded-For, so rate
    limits count visitors, not the proxy."""
    count = app.config["TRUSTED_PROXIES"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=str(MIGRATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    from digest import models  # noqa: F401  (register the tables)


def register_blueprints(app: Flask) -> None:
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
