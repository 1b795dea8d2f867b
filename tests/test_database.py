"""The database: SQLite pragmas, migrations matching the models, invariants as constraints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from digest.extensions import db
from digest.models import Edition, Newsletter, utcnow
from tests.conftest import _env

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_the_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_one_edition_per_newsletter_and_slot(app):
    letter = Newsletter(slug="n", title="N", from_email="n@digest.test")
    slot = utcnow().replace(microsecond=0)
    db.session.add_all(
        [
            Edition(newsletter=letter, slot=slot, subject="a"),
            Edition(newsletter=letter, slot=slot, subject="b"),
        ]
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_flask_db_loads_flask_migrate_on_first_use(app):
    """`flask --app wsgi db ...` works although create_app() never imports Alembic."""
    runner = app.test_cli_runner()
    upgraded = runner.invoke(args=["db", "upgrade"])  # the first command: already at the head
    assert upgraded.exit_code == 0, upgraded.output
    assert runner.invoke(args=["db", "check"]).exit_code == 0  # the models match the head
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0 and "upgrade" in listed.output
    assert db.session.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_flask_db_upgrade_migrates_a_new_database_from_the_shell(tmp_path):
    """The documented `flask --app wsgi db upgrade`, in its own process, on an empty file."""
    env = {**os.environ, **_env(f"sqlite:///{tmp_path / 'new.sqlite3'}")}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    root = Path(__file__).resolve().parents[1]
    for command in (["db", "upgrade"], ["digest", "newsletter", "create", "n", "--title", "N"]):
        done = subprocess.run([*flask, *command], cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
