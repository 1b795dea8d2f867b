"""Polling: every source alone, failures recorded, broken sources paused, the rest stored."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, text, update

from digest.extensions import db
from digest.ingest.poll import add_source, poll_newsletter_sources
from digest.models import Article, Newsletter, Source
from tests.support.factories import settings_of

GOOD_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Good Feed</title>
<item><title>Bridge reopens</title><link>http://example.org/bridge</link><guid>b1</guid>
<description>The bridge reopened on Monday after months of repairs, the council said.</description>
</item></channel></rss>"""
BAD_LINK_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Sloppy Feed</title>
<item><title>Broken link</title><link>http://[::1/x</link><description>Lost.</description></item>
<item><title>Library opens late</title><link>http://example.org/library</link>
<description>The library now opens until nine on Fridays, the council said.</description></item>
</channel></rss>"""
SURROGATE_FEED = BAD_LINK_FEED.replace(b"http://[::1/x", b"http://example.org/x").replace(
    b"Broken link", b"Broken &#xD800; character"
)
OTHER_FEED = GOOD_FEED.replace(b"Bridge reopens", b"Market moves").replace(b"/bridge", b"/market")
BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""


PAGE = (
    "<html><head><title>Ferry timetable changes</title></head><body><nav>Home | News</nav>"
    "<article><h1>Ferry timetable changes</h1>"
    + "".join(
        f"<p>Paragraph {n}: the ferry company said boats will run every twenty minutes from May, "
        "and evening sailings will continue until eleven o'clock on weekdays.</p>"
        for n in range(8)
    )
    + "</article><footer>Copyright Example</footer></body></html>"
).encode()


def teaser_feed(port: int) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title>
<item><title>Ferry timetable changes</title><link>http://127.0.0.1:{port}/page.html</link>
<description>Boats every twenty minutes.</description></item></channel></rss>""".encode()


class FeedHandler(BaseHTTPRequestHandler):
    while_serving_the_page = None  # what a test does while a teaser's page downloads

    def do_GET(self):
        if self.path == "/teaser.xml":
            self._reply(200, teaser_feed(self.server.server_address[1]), "application/rss+xml")
        elif self.path == "/page.html":
            if FeedHandler.while_serving_the_page is not None:
                FeedHandler.while_serving_the_page()
            self._reply(200, PAGE, "text/html; charset=utf-8")
        elif self.path == "/good.xml":
            self._reply(200, GOOD_FEED, "application/rss+xml")
        elif self.path == "/badlink.xml":
            self._reply(200, BAD_LINK_FEED, "application/rss+xml")
        elif self.path == "/surrogate.xml":
            self._reply(200, SURROGATE_FEED, "application/rss+xml")
        elif self.path == "/other.xml":
            self._reply(200, OTHER_FEED.replace(b"b1", b"m1"), "application/rss+xml")
        elif self.path == "/bomb.xml":
            self._reply(200, BOMB, "application/rss+xml")
        else:
            self._reply(500, b"broken", "text/plain")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def feed_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_broken_sources_fail_alone_and_are_paused(make_app, feed_server):
    app = make_app(allow_private_fetch="true", source_max_failures="2")
    with app.app_context():
        letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
        db.session.add(letter)
        for path in ("/bomb.xml", "/good.xml", "/down.xml"):
            add_source(letter, feed_server + path)
        db.session.commit()
        first = {
            o.source.location.rsplit("/", 1)[1]: o
            for o in poll_newsletter_sources(settings_of(app).ingest, letter)
        }
        assert first["good.xml"].result.added == 1
        assert first["bomb.xml"].error and first["down.xml"].error
        second = list(poll_newsletter_sources(settings_of(app).ingest, letter))
        assert len(second) == 3
        third = list(poll_newsletter_sources(settings_of(app).ingest, letter))
        assert [o.source.location.rsplit("/", 1)[1] for o in third] == ["good.xml"]
        assert db.session.scalar(select(func.count()).select_from(Article)) == 1
        broken = [o.source for o in second if o.error]
        assert all(s.failure_count == 2 and not s.is_active and s.last_error for s in broken)


def test_lines_a_source_repeats_are_learned_and_stripped(app, tmp_path):
    from digest.ingest.poll import import_source
    from digest.ingest.store import store_articles
    from digest.ingest.types import RawArticle

    letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
    db.session.add(letter)
    source = import_source(letter)
    sign_off = "Valley Weekly brings you the news that matters to our valley every Friday."
    stories = [
        "The ferry runs every twenty minutes from May.",
        "The library now opens late on Fridays.",
        "A new bakery opened on Mill Street this week.",
        "Schools will close early on Thursday for staff training.",
    ]
    for number, story in enumerate(stories):
        text = f"{story}\n\n{sign_off}"
        store_articles(source, [RawArticle(title=f"Story {number}", text=text)])
    db.session.commit()
    texts = db.session.scalars(select(Article.text).order_by(Article.id)).all()
    assert sign_off not in texts[-1]
    assert texts[-1].startswith("Schools will close early")


def test_an_updated_feed_entry_updates_its_article(app):
    from digest.ingest.poll import import_source
    from digest.ingest.store import store_articles
    from digest.ingest.types import RawArticle

    letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
    db.session.add(letter)
    source = import_source(letter)
    first = RawArticle(
        title="Bridge to reopen",
        text="The bridge reopens on Monday.",
        url="https://example.org/bridge",
        guid="g-1",
    )
    store_articles(source, [first])
    changed = RawArticle(
        title="Bridge reopened",
        text="The bridge reopened on Monday morning.",
        url="https://example.org/bridge?utm_source=feed",
        guid="g-1",
    )
    result = store_articles(source, [changed])
    db.session.commit()
    assert (result.added, result.updated) == (0, 1)
    assert db.session.scalars(select(Article.title)).all() == ["Bridge reopened"]


def test_a_teaser_entry_gets_its_page_text(make_app, feed_server):
    app = make_app(allow_private_fetch="true")
    with app.app_context():
        letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
        db.session.add(letter)
        add_source(letter, feed_server + "/teaser.xml")
        db.session.commit()
        list(poll_newsletter_sources(settings_of(app).ingest, letter))
        article = db.session.scalars(select(Article)).one()
        assert "Paragraph 7" in article.text
        assert not article.is_teaser


def test_no_transaction_waits_on_a_teasers_page(make_app, feed_server):
    """Another process writes the very source row while the page downloads, without waiting
    (SQLite's database lock, PostgreSQL's row lock); the poll's own writes then still land."""
    app = make_app(allow_private_fetch="true")
    with app.app_context():
        letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
        db.session.add(letter)
        source_id = add_source(letter, feed_server + "/teaser.xml").id
        db.session.commit()
        engine, beside = db.engine, []

        def write_beside() -> None:
            with engine.connect() as connection:
                is_sqlite = engine.dialect.name == "sqlite"
                wait = "PRAGMA busy_timeout = 0" if is_sqlite else "SET lock_timeout = 1"
                connection.exec_driver_sql(wait)  # a held lock fails this write at once
                try:
                    renamed = update(Source).where(Source.id == source_id).values(name="Ferries")
                    connection.execute(renamed)
                    connection.commit()
                    beside.append("written")
                except Exception as exc:
                    beside.append(str(exc))
                    connection.rollback()
                finally:
                    restore = "PRAGMA busy_timeout = 30000" if is_sqlite else "RESET lock_timeout"
                    connection.exec_driver_sql(restore)
                    connection.commit()

        FeedHandler.while_serving_the_page = write_beside
        try:
            [outcome] = poll_newsletter_sources(settings_of(app).ingest, letter)
        finally:
            FeedHandler.while_serving_the_page = None
        assert beside == ["written"]
        assert outcome.error is None and outcome.result.added == 1
        article = db.session.scalars(select(Article)).one()
        assert "Paragraph 7" in article.text and not article.is_teaser
        assert db.session.get(Source, source_id).name == "Ferries"


def test_a_slow_source_does_not_hold_up_the_others(make_app, feed_server):
    from ingest_support import TricklingServer

    slow = TricklingServer(trickle_headers=True, gap=0.5)
    app = make_app(allow_private_fetch="true")
    try:
        with app.app_context():
            letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
            db.session.add(letter)
            add_source(letter, f"http://127.0.0.1:{slow.port}/slow.xml")
            add_source(letter, feed_server + "/good.xml")
            db.session.commit()
            polling = poll_newsletter_sources(settings_of(app).ingest, letter)
            first = next(polling)  # the slow server has sent a few bytes of its headers
            assert first.source.location.endswith("/good.xml") and first.result.added == 1
            slow.stop()  # let the slow download end now rather than at its deadline
            rest = list(polling)
            assert [o.error is not None for o in rest] == [True]
    finally:
        slow.stop()


@pytest.fixture
def ingest_log(caplog):
    """caplog for the ingest loggers, which Alembic's fileConfig() disables when the test
    database is migrated after they were created."""
    for name in ("digest.ingest.poll", "digest.ingest.store", "digest.ingest.feeds"):
        logging.getLogger(name).disabled = False
    return caplog


def poison(sql: str) -> None:
    """A real SQLite trigger that makes one write fail: the unexpected error of a test."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the failure is injected with an SQLite trigger")
    db.session.execute(text(sql))
    db.session.commit()


def newsletter_with(feed_server: str, *paths: str) -> Newsletter:
    letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
    db.session.add(letter)
    for path in paths:
        add_source(letter, feed_server + path)
    db.session.commit()
    return letter


def test_an_item_with_a_malformed_link_is_rejected_and_the_rest_are_stored(make_app, feed_server):
    app = make_app(allow_private_fetch="true")
    with app.app_context():
        letter = newsletter_with(feed_server, "/badlink.xml", "/good.xml")
        outcomes = {
            o.source.location.rsplit("/", 1)[1]: o
            for o in poll_newsletter_sources(settings_of(app).ingest, letter)
        }
        sloppy = outcomes["badlink.xml"]
        assert sloppy.error is None and sloppy.source.failure_count == 0
        assert sloppy.result.added == 1 and outcomes["good.xml"].result.added == 1
        [rejection] = sloppy.result.rejected
        assert "malformed URL 'http://[::1/x'" in rejection.reason
        titles = set(db.session.scalars(select(Article.title)))
        assert titles == {"Library opens late", "Bridge reopens"}


def test_an_unexpected_failure_fails_its_source_alone_counted_logged_and_paused(
    make_app, feed_server, ingest_log
):
    app = make_app(allow_private_fetch="true", source_max_failures="2")
    with app.app_context():
        letter = newsletter_with(feed_server, "/other.xml", "/good.xml")
        poison(
            "CREATE TRIGGER poison BEFORE UPDATE OF last_success_at ON source "
            "WHEN NEW.location LIKE '%/other.xml' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
        for _ in range(2):
            outcomes = list(poll_newsletter_sources(settings_of(app).ingest, letter))
            assert [o.source.location.endswith("/other.xml") for o in outcomes if o.error] == [True]
        broken = db.session.scalars(select(Source).where(Source.location.like("%/other.xml"))).one()
        assert broken.failure_count == 2 and not broken.is_active
        assert "unexpected error" in broken.last_error and "disk on fire" in broken.last_error
        assert db.session.scalars(select(Article.title)).all() == ["Bridge reopens"]
        assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in ingest_log.records)


def test_an_article_that_cannot_be_stored_is_rejected_alone(make_app, feeds):
    """poll_source is what a queue worker's polling task runs for one source."""
    from digest.ingest.poll import poll_source

    app = make_app(allow_private_fetch="true")
    with app.app_context():
        letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
        db.session.add(letter)
        source = add_source(letter, feeds.url)
        db.session.commit()
        poison(
            "CREATE TRIGGER poison BEFORE INSERT ON article WHEN NEW.title LIKE 'Ferry%' "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
        outcome = poll_source(db.session.get(Source, source.id), settings_of(app).ingest)
        db.session.commit()
        assert outcome.error is None and outcome.result.added == 1
        [rejection] = outcome.result.rejected
        assert "Ferry timetable changes" in rejection.reason and "disk on fire" in rejection.reason
        assert db.session.scalars(select(Article.title)).all() == [
            "Orchard growers expect a record harvest"
        ]
        assert db.session.get(Source, source.id).failure_count == 0


def test_an_unreadable_file_in_a_folder_source_is_rejected_alone(app, tmp_path):
    (tmp_path / "ferry.txt").write_text("Ferry timetable changes\n\nBoats run every 20 minutes.")
    (tmp_path / "broken.json").write_text('{"title": "Half a file"')
    letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
    db.session.add(letter)
    add_source(letter, str(tmp_path))
    db.session.commit()
    [outcome] = poll_newsletter_sources(settings_of(app).ingest, letter)
    assert outcome.error is None and outcome.result.added == 1
    [rejection] = outcome.result.rejected
    assert "broken.json" in rejection.reason and "invalid JSON" in rejection.reason


def test_a_character_reference_to_a_surrogate_is_cleaned_and_its_feed_stored(make_app, feed_server):
    app = make_app(allow_private_fetch="true")
    with app.app_context():
        letter = newsletter_with(feed_server, "/surrogate.xml")
        [outcome] = poll_newsletter_sources(settings_of(app).ingest, letter)
        assert outcome.error is None and outcome.result.added == 2
        titles = set(db.session.scalars(select(Article.title)))
        assert titles == {"Broken \ufffd character", "Library opens late"}
