"""Fixtures: the app on a fresh real database, a real SMTP server, a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from config import Config
from digest import models  # noqa: F401  (every table in db.metadata, for _truncate_all)
from digest.app import create_app, upgrade_database
from digest.extensions import db
from digest.web import mailer
from tests.support.smtp import SmtpServer

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_URL = os.environ.get("DIGEST_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """One SQLite file migrated with Alembic; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "digest.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> str | None:
    if not POSTGRES_URL:
        return None
    _migrate(POSTGRES_URL, drop_first=True)
    return POSTGRES_URL


def _migrate(url: str, drop_first: bool = False) -> None:
    app = create_app(Config(_env(url)))
    with app.app_context():
        if drop_first:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_database(app)
        db.engine.dispose()  # closing the last SQLite connection folds the WAL into the file


def _env(url: str, **extra: str) -> dict[str, str]:
    return {
        "DIGEST_ENV": "test",
        "DIGEST_DATABASE_URL": url,
        "DIGEST_SECRET_KEY": "test-secret",
        "DIGEST_BASE_URL": "http://digest.test",
        "DIGEST_MAIL_FROM": "news@digest.test",
        "DIGEST_RATELIMIT_ENABLED": "false",
        "DIGEST_RETRY_BASE_SECONDS": "0.05",
        **extra,
    }


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def database_url(tmp_path, migrated_sqlite, migrated_postgres) -> str:
    if migrated_postgres:
        return migrated_postgres
    path = tmp_path / "digest.sqlite3"
    shutil.copy(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url, smtp_server):
    """Build an app on this test's database; keyword arguments become DIGEST_* settings."""
    apps = []

    def build(**settings: str):
        extra = {f"DIGEST_{k.upper()}": str(v) for k, v in settings.items()}
        extra.setdefault("DIGEST_SMTP_PORT", str(smtp_server.port))
        app = create_app(Config(_env(database_url, **extra)))
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield build
    mailer.drain(timeout=60)  # no mail thread of this test outlives it
    for app in apps:
        with app.app_context():
            if database_url.startswith("postgresql"):
                _truncate_all()
            db.engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def feeds():
    """A local HTTP server for feeds and pages (tests.support.feeds), stopped after the test."""
    from tests.support.feeds import FeedServer

    server = FeedServer().start()
    yield server
    server.stop()
