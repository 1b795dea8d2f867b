"""No story twice: an event an earlier edition sent is not sent again as new; a version with
new facts goes out once, labelled "Update"; the editor may override either way."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from digest.deliver.dispatch import release
from digest.edition import lifecycle, overrides
from digest.edition.build import build_edition
from digest.edition.snapshot import make_snapshot
from digest.extensions import db
from digest.ingest.poll import add_source, add_source_row, poll_source
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from digest.models import Article, Edition, Newsletter, SourceArticle, SourceKind
from tests.support.events import EVENTS, SCHEDULE, report
from tests.support.factories import make_newsletter, settings_of

DEMO = Path(__file__).resolve().parents[2] / "demo"
DAY_ONE = datetime(2021, 3, 1, 7, 0, tzinfo=UTC)  # a simulated clock, years before any real run
ROVERS_HERALD = "Okafor Double Sends Rovers Into Cup Quarter-Finals"


def send(edition: Edition, now: datetime | None = None) -> dict:
    """Approve and release: the edition is frozen as its readers get it."""
    lifecycle.approve(edition, now)
    release(edition, settings_of(current_app))
    db.session.commit()
    return edition.snapshot


def stories_in(snapshot: dict) -> list[dict]:
    return [story for section in snapshot["sections"] for story in section["stories"]]


def poll(letter: Newsletter, path: Path, name: str) -> None:
    poll_source(add_source(letter, str(path), name), settings_of(current_app).ingest)
    db.session.commit()


def test_the_heralds_later_rovers_report_is_not_sent_again_as_new(app):
    letter = make_newsletter("riverside", "Riverside Weekly")
    poll(letter, DEMO / "feed.xml", "Riverside Gazette")
    first = send(build_edition(letter))
    assert "Riverside Rovers Reach Cup Quarter-Finals" in [s["title"] for s in stories_in(first)]

    poll(letter, DEMO / "feeds" / "riverside-herald.xml", "Riverside Herald")
    second = build_edition(letter)
    db.session.commit()
    herald = next(item for item in second.items if item.article.title == ROVERS_HERALD)
    assert herald.repeat_of == first["edition"]["id"]
    assert herald.is_excluded and not herald.is_update
    titles = [story["title"] for story in stories_in(send(second))]
    assert ROVERS_HERALD not in titles
    assert "Market Square Gets Its First Winter Ice Rink" in titles


def test_the_editor_can_send_a_repeat_as_an_update_or_leave_an_update_out(app):
    letter = make_newsletter("riverside", "Riverside Weekly")
    poll(letter, DEMO / "feed.xml", "Riverside Gazette")
    send(build_edition(letter))
    poll(letter, DEMO / "feeds" / "riverside-herald.xml", "Riverside Herald")
    second = build_edition(letter)
    herald = next(item for item in second.items if item.article.title == ROVERS_HERALD)
    overrides.set_flags(herald, excluded=False)
    db.session.commit()
    [story] = [
        s
        for s in stories_in(make_snapshot(second, settings_of(app).edition))
        if s["title"] == ROVERS_HERALD
    ]
    assert story["is_update"] is True

    overrides.set_flags(herald, excluded=True)
    db.session.commit()
    titles = [s["title"] for s in stories_in(make_snapshot(second, settings_of(app).edition))]
    assert ROVERS_HERALD not in titles


def arrive(letter: Newsletter, paper: str, raws: list[RawArticle], at: datetime) -> None:
    """The papers' reports arrive at `at` on the simulated clock."""
    source = add_source_row(letter, SourceKind.FEED, f"https://{paper.lower()}.example/feed", paper)
    store_articles(source, raws)
    ids = select(SourceArticle.article_id).where(SourceArticle.source_id == source.id)
    fresh = SourceArticle.linked_at > DAY_ONE + timedelta(days=30)  # stored on the real clock
    db.session.execute(update(SourceArticle).where(fresh).values(linked_at=at))
    db.session.execute(
        update(Article)
        .where(Article.id.in_(ids), Article.fetched_at > DAY_ONE + timedelta(days=30))
        .values(fetched_at=at)
    )
    db.session.commit()


def test_over_fourteen_days_no_event_is_sent_twice_as_new(app):
    letter = make_newsletter("riverside", "Riverside Daily")
    event_of: dict[str, int] = {}
    updates_planned = set()
    sent_as = Counter()
    for day in range(14):
        morning = DAY_ONE + timedelta(days=day)
        for when, paper, index, version in SCHEDULE:
            if when != day:
                continue
            title, text = report(EVENTS[index], paper, version, day)
            event_of[title] = index
            raw = RawArticle(
                title=title,
                text=text,
                url=f"https://{paper.lower()}.example/{day}/{index}/{version}",
            )
            arrive(letter, paper, [raw], morning - timedelta(hours=2))
            updates_planned |= {index} if version == "update" else set()
        edition = build_edition(letter, slot=morning, now=morning)
        db.session.commit()
        if not edition.has_items:
            continue
        for story in stories_in(send(edition, morning)):
            sent_as[event_of[story["title"]], story["is_update"]] += 1
    for index in range(len(EVENTS)):
        assert sent_as[index, False] == 1, (
            f"event {index} sent as new {sent_as[index, False]} times"
        )
        assert sent_as[index, True] == (1 if index in updates_planned else 0), f"event {index}"


def test_a_left_out_repeat_takes_no_place_from_a_new_story(app):
    """Two stories at most: yesterday's event told again by another paper (the newest article)
    is left out, and both of today's new events still go out."""
    letter = make_newsletter("riverside", "Riverside Daily")
    letter.max_stories = 2
    title, text = report(EVENTS[0], "Gazette", "first", 0)
    arrive(letter, "Gazette", [RawArticle(title=title, text=text, url="https://g.example/0")],
           DAY_ONE - timedelta(hours=2))  # fmt: skip
    db.session.commit()
    send(build_edition(letter, slot=DAY_ONE, now=DAY_ONE), DAY_ONE)

    day_two = DAY_ONE + timedelta(days=1)
    for hours, (index, paper, version) in enumerate([(1, "Gazette", "first"),
                                                     (2, "Gazette", "first"),
                                                     (0, "Herald", "again")]):  # fmt: skip
        title, text = report(EVENTS[index], paper, version, 1)
        raw = RawArticle(title=title, text=text, url=f"https://{paper}.example/{index}")
        arrive(letter, paper, [raw], day_two - timedelta(hours=3 - hours))
    second = build_edition(letter, slot=day_two, now=day_two)
    db.session.commit()
    [repeat] = [item for item in second.items if item.repeat_of is not None]
    assert repeat.is_excluded and "Herald" in repeat.article.title
    going_out = [story["title"] for story in stories_in(send(second, day_two))]
    assert sorted(going_out) == sorted(report(EVENTS[i], "Gazette", "first", 1)[0] for i in (1, 2))
