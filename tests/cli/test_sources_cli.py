"""`sources list`, `sources resume` and `poll`: a paused source can be brought back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from digest.errors import DigestError
from digest.extensions import db
from digest.ingest.sources import look_at
from digest.models import Source
from tests.support.cli import run_failing, run_ok
from tests.support.factories import settings_of
from tests.support.feeds import FEED


@pytest.fixture
def cli(make_app):
    app = make_app(allow_private_fetch="true", source_max_failures="2")
    with app.app_context():
        yield app.test_cli_runner()


def test_a_paused_source_is_listed_by_poll_and_polls_again_once_resumed(cli, feeds):
    run_ok(cli, "newsletter", "create", "tech", "--title", "Tech")
    run_ok(cli, "sources", "add", feeds.url, "--newsletter", "tech")
    feeds.is_broken = True
    assert "the only source failed" in run_failing(cli, "poll", "--newsletter", "tech").output
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


def test_an_imported_feed_file_is_a_source_named_after_the_feed_and_readers_see_its_new_name(
    cli, tmp_path
):
    feed = tmp_path / "valley.xml"
    feed.write_text(FEED, encoding="utf-8")
    run_ok(cli, "newsletter", "create", "tech", "--title", "Tech")
    assert "2 added" in run_ok(cli, "import", str(feed), "--newsletter", "tech")
    listed = run_ok(cli, "sources", "list", "--newsletter", "tech")
    assert "Valley Wire" in listed and "Imported" not in listed
    source_id = listed.split("\t", 1)[0]
    renamed = run_ok(cli, "sources", "rename", source_id, "Valley Wire Weekly")
    assert f"source {source_id} renamed: Valley Wire Weekly" in renamed
    edition = run_ok(cli, "build", "tech").strip().splitlines()[-1]
    html, text = tmp_path / "edition.html", tmp_path / "edition.txt"
    run_ok(cli, "preview", edition, "--html", str(html), "--text", str(text))
    assert "Valley Wire Weekly" in text.read_text() and "Imported" not in text.read_text()


def test_a_local_feed_file_source_takes_the_feed_title_and_is_renamed_by_its_path(cli, tmp_path):
    feed = tmp_path / "valley.xml"
    feed.write_text(FEED, encoding="utf-8")
    run_ok(cli, "newsletter", "create", "tech", "--title", "Tech")
    run_ok(cli, "sources", "add", str(feed), "--newsletter", "tech")
    assert "ok   Valley Wire: 2 new" in run_ok(cli, "poll", "--newsletter", "tech")
    renamed = run_ok(cli, "sources", "rename", str(feed), "Valley", "--newsletter", "tech")
    assert renamed.strip().endswith("renamed: Valley")


def test_a_source_cannot_be_renamed_to_nothing_or_an_unknown_one_at_all(cli, tmp_path):
    feed = tmp_path / "valley.xml"
    feed.write_text(FEED, encoding="utf-8")
    run_ok(cli, "newsletter", "create", "tech", "--title", "Tech")
    run_ok(cli, "sources", "add", str(feed), "--newsletter", "tech", "--name", "Valley")
    empty = run_failing(cli, "sources", "rename", "1", "  \t ").output
    assert "a source needs a name" in empty and len(empty.strip().splitlines()) == 1
    assert "unknown source" in run_failing(cli, "sources", "rename", "99", "X").output
    assert "\tValley" in run_ok(cli, "sources", "list")


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:9/feed.xml",
        "http://localhost/feed",
        "http://[::1]/",
        "http://[::1/feed",
        "ftp://example.org/",
    ],
)
def test_sources_add_refuses_an_address_the_sources_page_refuses(runner, app, address):
    run_ok(runner, "newsletter", "create", "tech", "--title", "Tech")
    result = run_failing(runner, "sources", "add", address, "--newsletter", "tech")
    with pytest.raises(DigestError) as refused:  # the admin's "Look at it"
        look_at(address, settings_of(app).ingest)
    assert result.output == f"Error: {refused.value}\n"
    assert db.session.scalar(select(func.count()).select_from(Source)) == 0


def test_sources_add_takes_a_loopback_feed_where_private_fetching_is_allowed(cli, feeds):
    run_ok(cli, "newsletter", "create", "tech", "--title", "Tech")
    assert "source 1: feed http://127.0.0.1" in run_ok(
        cli, "sources", "add", feeds.url, "--newsletter", "tech"
    )


def test_add_inbound_prints_the_signed_address_last_and_the_server_takes_it(make_app):
    from digest.deliver.inbound.receiving import accepts
    from digest.ingest.inaddress import read_source_address

    app = make_app(inbound_domain="in.digest.test")
    with app.app_context():
        cli = app.test_cli_runner()
        run_ok(cli, "newsletter", "create", "tech", "--title", "Tech")
        output = run_ok(cli, "sources", "add-inbound", "--newsletter", "tech", "--name", "Letters")
        address = output.strip().splitlines()[-1]
        settings = settings_of(app)
        assert address.startswith("in+") and address.endswith("@in.digest.test")
        source = db.session.get(Source, read_source_address(address, settings))
        assert (source.name, source.kind.value) == ("Letters", "mail")
        assert accepts(address, settings)
        assert not accepts(address.replace("in+", "in+9"), settings)
        assert "Letters" in run_ok(cli, "sources", "list", "--newsletter", "tech")


def test_add_inbound_for_an_unknown_newsletter_is_one_line(cli):
    result = run_failing(cli, "sources", "add-inbound", "--newsletter", "nope")
    assert result.output.count("\n") == 1
