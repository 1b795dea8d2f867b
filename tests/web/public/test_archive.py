"""The web archive: the list, each edition as sent with anchors, privacy, the Atom feed."""

from __future__ import annotations

import re

import feedparser
from defusedxml import ElementTree

from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from tests.support.factories import make_edition, settings_of
from tests.web.subscriber_support import topic_newsletter

STORIES = [
    {"title": "Derby Ends Level", "section": "Sport"},
    {"title": "Comet Over the Valley", "section": "Science"},
    {"title": "Tram Line Approved", "section": "Transport"},
]
ATOM = "{http://www.w3.org/2005/Atom}"


def sent_edition(app, letter, items=STORIES):
    edition = make_edition(letter, items=items)
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    db.session.refresh(edition)
    return edition


def test_the_list_shows_subject_date_and_story_count(app, client):
    letter = topic_newsletter()
    edition = sent_edition(app, letter)
    make_edition(letter, items=1)  # a draft: not listed
    page = client.get("/archive/city").get_data(as_text=True)
    assert edition.subject in page
    assert edition.released_at.strftime("%-d %b %Y") in page
    assert re.search(r'<td class="num">3</td>', page)
    assert page.count("/archive/city/") == 1 + page.count("/archive/city/feed.atom")


def test_an_edition_page_is_as_sent_with_anchors_and_a_neutral_footer(app, client):
    edition = sent_edition(app, topic_newsletter())
    page = client.get(f"/archive/city/{edition.id}").get_data(as_text=True)
    for anchor in ("story-1-1", "story-2-1", "story-3-1"):
        assert f'id="{anchor}"' in page
    assert "You are reading the web archive of City Digest" in page
    assert "http://digest.test/subscribe/city" in page
    assert "example.com" not in page and "because" not in page


def test_an_edition_page_leads_to_its_neighbours_the_archive_and_the_newsletter(app, client):
    letter = topic_newsletter()
    first, second, third = (sent_edition(app, letter, STORIES[:n]) for n in (1, 2, 3))
    second.is_private = True  # skipped by visitors' neighbours
    db.session.commit()

    def bar(edition) -> str:
        page = client.get(f"/archive/city/{edition.id}").get_data(as_text=True)
        nav = re.search(r'<body[^>]*>\s*<nav aria-label="Archive".*?</nav>', page, re.S)
        assert nav, "the bar opens the page"
        return nav.group(0)

    middle = bar(third)
    assert 'href="/archive/city"' in middle and 'href="/subscribe/city"' in middle
    assert f'href="/archive/city/{first.id}" rel="prev"' in middle and 'rel="next"' not in middle
    oldest = bar(first)
    assert f'href="/archive/city/{third.id}" rel="next"' in oldest and 'rel="prev"' not in oldest


def test_private_editions_are_hidden_and_only_admins_change_that(app, client, sign_in):
    edition = sent_edition(app, topic_newsletter())
    url = f"/archive/city/{edition.id}/private"
    assert client.post(url, data={"is_private": "1"}).status_code in (302, 400)
    db.session.refresh(edition)
    assert not edition.is_private
    sign_in("admin")
    page = client.get("/archive/city").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(url, data={"csrf_token": token, "is_private": "1"})
    db.session.refresh(edition)
    assert edition.is_private
    with app.app_context():  # a fresh `g`: the test's context would keep the signed-in user
        anonymous = app.test_client()
        assert anonymous.get(f"/archive/city/{edition.id}").status_code == 404
        assert edition.subject not in anonymous.get("/archive/city").get_data(as_text=True)
        feed = anonymous.get("/archive/city/feed.atom").get_data(as_text=True)
        assert edition.subject not in feed


def test_an_editor_may_not_make_an_edition_private(app, client, sign_in):
    edition = sent_edition(app, topic_newsletter())
    sign_in("editor")
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/subscribe").get_data(as_text=True)
    ).group(1)
    answer = client.post(f"/archive/city/{edition.id}/private", data={"csrf_token": token})
    assert answer.status_code == 403


def test_the_atom_feed_is_valid_and_holds_every_story(app, client):
    letter = topic_newsletter()
    first = sent_edition(app, letter)
    second = sent_edition(app, letter, items=[{"title": "Bridge Reopens", "section": "Transport"}])
    response = client.get("/archive/city/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [second.subject, first.subject]
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo and parsed.version == "atom10"
    content = parsed.entries[1].content[0].value
    for story in STORIES:
        assert story["title"] in content


def test_a_story_without_a_web_page_links_to_its_anchor_in_the_archive(app, client):
    letter = topic_newsletter()
    stories = [
        {"title": "Derby Ends Level", "section": "Sport"},
        {"title": "Council Memo", "section": "Transport", "canonical_url": "mail:memo@city.test"},
    ]
    edition = sent_edition(app, letter, items=stories)
    parsed = feedparser.parse(client.get("/archive/city/feed.atom").data)
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', parsed.entries[0].content[0].value)
    page_url = f"http://digest.test/archive/city/{edition.id}"
    assert (f"{page_url}#story-2-1", "Council Memo") in links
    assert all("None" not in href for href, _ in links)
    anchor = links[[title for _, title in links].index("Council Memo")][0].split("#")[1]
    page = client.get(f"/archive/city/{edition.id}").get_data(as_text=True)
    assert re.search(rf'id="{anchor}"[^>]*>Council Memo<', page)
