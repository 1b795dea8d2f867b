"""digest: a self-hosted newsletter digest builder."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import Config
from digest.extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: Config | None = None) -> Flask:
    """Build the web/CLI application; it never starts a scheduler."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    app.config.from_object(config or Config())
    init_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=_migrations_dir())
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    limiter.init_app(app)
    from digest import models  # noqa: F401  (register the tables)


def register_blueprints(app: Flask) -> None:
    from digest.web import register

    register(app)


def register_commands(app: Flask) -> None:
    from digest.cli import digest_cli

    app.cli.add_command(digest_cli)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


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
