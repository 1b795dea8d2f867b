"""`sources list`, `sources resume` and `poll`: a paused source can be brought back."""

from __future__ import annotations

import pytest

from tests.support.cli import run_failing, run_ok


@pytest.fixture
def cli(make_app):
    app = make_app(allow_private_fetch="true", source_max_failures="2")
    with app.app_context():
        yield app.test_cli_runner()


def test_a_paused_source_is_listed_by_poll_and_polls_again_once_resumed(cli, feeds):
    run_ok(cli, "newsletter", "create", "tech", "--title", "Tech")
    run_ok(cli, "sources", "add", feeds.url, "--newsletter", "tech")
    feeds.is_broken = True
    assert "all 1 source(s) failed" in run_failing(cli, "poll", "--newsletter", "tech").output
    run_failing(cli, "poll", "--newsletter", "tech")  # the second failure pauses it
    paused = run_failing(cli, "poll", "--newsletter", "tech")
    assert "every source is paused" in paused.output and "Valley" not in paused.output
    assert "HTTP 500" in paused.output or "500" in paused.output
    assert "paused" in run_ok(cli, "sources", "list", "--newsletter", "tech")
    feeds.is_broken = False
    assert "resumed" in run_ok(cli, "sources", "resume", feeds.url, "--newsletter", "tech")
    assert "2 new" in run_ok(cli, "poll", "--newsletter", "tech")


def test_resuming_an_unknown_source_is_one_line(cli):
    assert "unknown source" in run_failing(cli, "sources", "resume", "99").output
