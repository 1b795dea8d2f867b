"""`flask digest worker` and queue mode refuse, in one line, what they cannot run on."""

from __future__ import annotations

import pytest

from config import Config
from digest.errors import ConfigurationError
from tests.support.cli import run_failing


def test_the_worker_needs_a_broker(make_app):
    result = run_failing(make_app().test_cli_runner(), "worker")
    assert "queue mode needs DIGEST_BROKER_URL" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_queue_mode_on_sqlite_says_it_needs_postgresql(make_app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("runs on SQLite")
    runner = make_app(broker_url="redis://127.0.0.1:1/0").test_cli_runner()
    for command in (["worker"], ["send", "1"]):
        result = run_failing(runner, *command)
        assert result.output.strip().splitlines() == [
            "Error: queue mode needs PostgreSQL: DIGEST_DATABASE_URL is sqlite; "
            "unset DIGEST_BROKER_URL to send from this process"
        ]


def test_a_broker_must_be_redis():
    with pytest.raises(ConfigurationError, match="redis://"):
        Config({"DIGEST_ENV": "test", "DIGEST_BROKER_URL": "amqp://localhost"})
