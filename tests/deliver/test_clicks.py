"""Tracked story links: counted without knowing who clicked, human apart from link scanners,
never an open redirect, and working after the statistics window closed."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from digest.deliver import deliver_edition
from digest.deliver.clicks import close_windows, edition_clicks, record_click
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Click, ClickSalt, ClickTotal, Edition
from tests.support.cli import run_ok
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari"
STORIES = [
    {"title": "Derby Ends Level", "canonical_url": "https://news.example.org/derby"},
    {"title": "Comet Over the Valley", "canonical_url": "https://news.example.org/comet"},
    {"title": "Tram Line Approved", "canonical_url": "https://news.example.org/tram"},
    {"title": "Library Opens Late", "canonical_url": "https://news.example.org/library"},
]


def sent(app, tracks_clicks: bool = True) -> Edition:
    newsletter = make_newsletter(tracks_clicks=tracks_clicks)
    make_subscribers(newsletter, 2)
    edition = make_edition(newsletter, items=STORIES)
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    db.session.refresh(edition)
    return edition


def tracked_links(smtp_server) -> list[str]:
    html = smtp_server.received[0].message.get_body(("html",)).get_content()
    return re.findall(r'href="http://digest\.test(/c/[^"]+)"', html)


def test_story_links_in_mail_count_the_click_and_go_to_the_story(app, client, smtp_server):
    edition = sent(app)
    links = tracked_links(smtp_server)
    assert len(set(links)) == 4  # the title and "Read more" of a story share one link
    text = smtp_server.received[0].message.get_body(("plain",)).get_content()
    assert "http://digest.test/c/" in text and "news.example.org/derby" not in text
    answer = client.get(links[0], headers={"User-Agent": BROWSER})
    assert answer.status_code == 302
    assert answer.headers["Location"] in {s["canonical_url"] for s in STORIES}
    assert answer.headers["Cache-Control"] == "no-store"
    click = db.session.scalars(select(Click)).one()
    assert click.could_be_human and len(click.visitor) == 32
    assert "127.0.0.1" not in click.visitor and "Safari" not in click.visitor
    stats = edition_clicks(edition)
    assert (stats.delivered, stats.human, stats.machine, stats.unique_clickers) == (2, 1, 0, 1)


def test_the_archive_and_previews_keep_the_storys_own_link(app, client, smtp_server):
    edition = sent(app)
    archive = client.get(f"/archive/{edition.newsletter.slug}/{edition.id}").get_data(as_text=True)
    assert "https://news.example.org/derby" in archive and "/c/" not in archive
    out = run_ok(app.test_cli_runner(), "preview", str(edition.id))
    assert "/c/" not in out


def test_a_newsletter_can_turn_tracking_off(app, smtp_server):
    sent(app, tracks_clicks=False)
    html = smtp_server.received[0].message.get_body(("html",)).get_content()
    assert "/c/" not in html and 'href="https://news.example.org/derby"' in html


def test_a_forged_altered_or_unknown_link_is_404_and_never_a_redirect(app, client, smtp_server):
    sent(app)
    token = tracked_links(smtp_server)[0].removeprefix("/c/")
    payload, _, signature = token.rpartition(".")
    edition_id, section, story = payload.split("-")
    for bad in (
        f"{edition_id}-{section}-{int(story) + 1}.{signature}",  # altered: another story
        f"{payload}.{signature[:-2]}xx",  # forged signature
        "1-0-0",
        "https%3A%2F%2Fevil.example%2F",
    ):
        assert client.get(f"/c/{bad}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0


def test_head_requests_known_scanners_and_bursts_are_machine_clicks(app, client, smtp_server):
    edition = sent(app)
    links = list(dict.fromkeys(tracked_links(smtp_server)))
    client.head(links[0], headers={"User-Agent": BROWSER})
    client.get(links[1], headers={"User-Agent": "Proofpoint URL Defense (ppops)"})
    client.get(links[2], headers={"User-Agent": ""})
    at = edition.released_at + timedelta(minutes=1)
    # A gateway that fetches every link with a browser's agent within a second or two.
    for story in range(4):
        record_click(
            edition,
            0,
            story,
            method="GET",
            ip="40.107.1.1",
            user_agent=BROWSER,
            now=at + timedelta(milliseconds=300 * story),
        )
    # A reader who opens two stories a minute apart.
    for minute, story in ((2, 1), (3, 3)):
        record_click(
            edition,
            0,
            story,
            method="GET",
            ip="198.51.100.7",
            user_agent=BROWSER,
            now=at + timedelta(minutes=minute),
        )
    stats = edition_clicks(edition)
    assert (stats.human, stats.machine, stats.unique_clickers) == (2, 7, 1)
    by_title = {s.title: (s.human, s.machine) for s in stats.stories}
    assert by_title["Comet Over the Valley"] == (1, 2)


def test_a_closed_window_keeps_counts_forgets_who_and_links_keep_working(app, client, smtp_server):
    edition = sent(app)
    link = tracked_links(smtp_server)[0]
    client.get(link, headers={"User-Agent": BROWSER})
    client.get(link, headers={"User-Agent": BROWSER})
    before = edition_clicks(edition).as_json()
    assert close_windows(edition.released_at + timedelta(days=31)) == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0
    assert db.session.get(ClickSalt, edition.id) is None
    assert db.session.scalar(select(func.count()).select_from(ClickTotal)) == 4
    assert edition_clicks(edition).as_json() == before
    assert client.get(link).status_code == 302  # the link still leads to the story
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0  # uncounted


def test_stats_prints_json_a_table_or_csv(app, client, smtp_server):
    edition = sent(app)
    client.get(tracked_links(smtp_server)[0], headers={"User-Agent": BROWSER})
    runner = app.test_cli_runner()
    data = json.loads(run_ok(runner, "stats", str(edition.id), "--json"))
    assert data["edition"] == edition.id and data["delivered"] == 2
    assert data["clicks"] == {"human": 1, "machine": 0} and data["unique_clickers"] == 1
    assert {s["url"] for s in data["stories"]} == {s["canonical_url"] for s in STORIES}
    assert set(data["stories"][0]) == {"title", "url", "human_clicks", "machine_clicks"}
    table = run_ok(runner, "stats", str(edition.id))
    assert "2 messages delivered, 1 reader clicked (50.0%)" in table
    rows = run_ok(runner, "stats", str(edition.id), "--csv").splitlines()
    assert rows[0] == "section,title,url,human_clicks,machine_clicks" and len(rows) == 5


@pytest.mark.parametrize("edition_id", ["999"])
def test_stats_of_an_unknown_edition_is_one_line(app, edition_id):
    result = app.test_cli_runner().invoke(args=["digest", "stats", edition_id])
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1


def test_the_scheduler_closes_windows_hourly_and_a_quiet_tick_writes_nothing(app, smtp_server):
    from digest.models import JobRun
    from digest.schedule.jobs import close_click_windows

    edition = sent(app)
    record_click(edition, 0, 0, method="GET", ip="198.51.100.7", user_agent=BROWSER)
    db.session.commit()
    close_click_windows(app)  # the window is open: nothing to do, no history row
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
    db.session.get(ClickSalt, edition.id).closes_at = edition.released_at
    db.session.commit()
    close_click_windows(app)
    db.session.expire_all()
    assert db.session.get(ClickSalt, edition.id) is None
    assert edition_clicks(edition).human == 1


def test_a_story_without_a_page_of_its_own_gets_no_counted_link(app, client, smtp_server):
    newsletter = make_newsletter()
    make_subscribers(newsletter, 1)
    edition = make_edition(
        newsletter, items=[{"canonical_url": "import:city/notes-from-the-council"}, STORIES[0]]
    )
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    links = set(tracked_links(smtp_server))
    assert len(links) == 1  # the story with a page
    html = smtp_server.received[0].message.get_body(("html",)).get_content()
    assert "Story number" in html  # the imported story is there, as text
    for link in links:  # and every tracked link leads somewhere
        assert client.get(link).status_code == 302
