"""Reading a newsletter mail (pure): what it is, and what of it is kept."""

from __future__ import annotations

import base64
import json

import pytest

from digest.ingest.mail import ARTICLES, EMPTY, SIGNUP, read_newsletter_mail
from digest.ingest.mailchrome import is_tracking_redirect, unwrap_known
from tests.support.newsletters import letter

WEB = "https://news.example"


def read(name: str):
    return read_newsletter_mail(letter(name, "in+1.x@inbound.test", WEB))


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("essay.eml", ARTICLES, 1),
        ("linklist.eml", ARTICLES, 3),
        ("plain_linklist.eml", ARTICLES, 3),
        ("google_alerts.eml", ARTICLES, 2),
        ("sponsor.eml", ARTICLES, 2),
        ("confirm.eml", SIGNUP, 0),
    ],
)
def test_each_shape_reads_as_what_it_is(name, kind, count):
    mail = read(name)
    assert (mail.kind, len(mail.articles)) == (kind, count)


def test_link_list_items_keep_headline_blurb_and_link_without_reading_times():
    first = read("linklist.eml").articles[0]
    assert first.title == "River bridge reopens after two years of repairs"
    assert first.text.startswith("The old river bridge reopened to traffic on Monday")
    assert first.url == f"{WEB}/track/click?u=bridge"  # followed later, off the pure step
    assert first.is_teaser and first.origin == "TLDR Harbour"


def test_a_section_heading_ends_the_item_before_it():
    tidal = read("linklist.eml").articles[1]
    assert "Apps and tools" not in tidal.text


def test_google_alerts_links_are_unwrapped_in_place():
    urls = [a.url for a in read("google_alerts.eml").articles]
    assert urls == [f"{WEB}/alerts/committee-vote?utm_source=google", f"{WEB}/alerts/fuel-rebate"]


def test_html_is_sanitised_as_everywhere_else():
    raw = (
        b"From: A <a@b.example>\r\nSubject: Note\r\nContent-Type: text/html\r\n\r\n"
        b"<p onclick='x()'>A long enough paragraph of a letter about the harbour and its boats."
        b"</p><script>alert(1)</script><iframe src='https://evil.example'></iframe>\r\n"
    )
    [article] = read_newsletter_mail(raw).articles
    assert "onclick" not in article.html and "script" not in article.html
    assert "iframe" not in article.html and "alert(1)" not in article.text


def test_a_plain_text_link_list_is_read_as_its_html_twin_is():
    html, plain = read("linklist.eml").articles, read("plain_linklist.eml").articles
    assert [a.title for a in plain] == [a.title for a in html]
    assert [a.url for a in plain] == [a.url for a in html]  # next line, reference, <...>
    assert [a.text for a in plain] == [a.text for a in html]
    assert all(a.is_teaser and a.origin == "Harbour Brief" for a in plain)


def test_plain_text_headlines_take_their_address_however_it_is_written():
    items = [
        "[Harbour cranes replaced after forty years](https://news.example/cranes)",
        "Ferry fares frozen for another winter (https://news.example/fares)",
        "Lifeboat crew rescues two kayakers - https://news.example/lifeboat",
    ]
    blurb = "A paragraph long enough to be the item's blurb, as a link list's blurbs are."
    body = "\r\n\r\n".join(f"{item}\r\n{blurb}" for item in items)
    raw = f"From: Brief <b@x.example>\r\nSubject: Brief\r\n\r\n{body}\r\n".encode()
    articles = read_newsletter_mail(raw).articles
    assert [(a.title, a.url) for a in articles] == [
        ("Harbour cranes replaced after forty years", "https://news.example/cranes"),
        ("Ferry fares frozen for another winter", "https://news.example/fares"),
        ("Lifeboat crew rescues two kayakers", "https://news.example/lifeboat"),
    ]
    assert all(a.text == blurb for a in articles)


def test_a_wrapped_plain_text_essay_with_links_in_its_lines_stays_one_essay():
    body = (
        "Dear readers, this week the council published its harbour plan at\r\n"
        "https://news.example/plan and the ferry company answered it with a letter\r\n"
        "of its own: https://news.example/letter which argues for more sailings.\r\n\r\n"
        "Fishermen Say The Plan Ignores Them https://news.example/fish - as they\r\n"
        "told the meeting on Thursday, where the mayor promised to listen to them all.\r\n\r\n"
        "Boat Owners Want Cheaper Moorings https://news.example/moor - said their\r\n"
        "chairman, who asked for a meeting with the council before the plan is voted on.\r\n"
    )
    raw = f"From: Jo <jo@x.example>\r\nSubject: Harbour week\r\n\r\n{body}".encode()
    [article] = read_newsletter_mail(raw).articles
    assert article.title == "Harbour week" and "ferry company" in article.text


def test_a_plain_text_letter_is_an_essay():
    raw = b"From: Jo <jo@x.example>\r\nSubject: [Jo's notes] Tides\r\n\r\nThe tide was high.\r\n"
    [article] = read_newsletter_mail(raw).articles
    assert (article.title, article.text, article.origin) == ("Tides", "The tide was high.", "Jo")


def test_bytes_that_are_no_mail_are_empty_with_a_reason():
    mail = read_newsletter_mail(b"\xff\xfe\x00" * 10)
    assert mail.kind == EMPTY and mail.reason


@pytest.mark.parametrize(
    "url",
    [
        "https://click.convertkit-mail.com/abc/123",
        "https://links.morningtide.example/s/881",
        "https://mailchi.mp/harbour/december",
        "https://harbour.us1.list-manage.com/track/click?u=1&id=2",
        "https://u123.ct.sendgrid.net/ls/click?upn=x",
        "http://127.0.0.1:8000/track/click?u=bridge",
    ],
)
def test_tracking_redirects_are_recognised(url):
    assert is_tracking_redirect(url)


@pytest.mark.parametrize(
    "url", ["https://www.bbc.co.uk/news/articles/x", "https://example.org/click-here-to-win"]
)
def test_story_links_are_not_redirects(url):
    assert not is_tracking_redirect(url)


def test_a_substack_redirect_names_its_target():
    payload = base64.urlsafe_b64encode(json.dumps({"e": "https://harbour.example/p/x"}).encode())
    url = f"https://substack.com/redirect/2/{payload.decode().rstrip('=')}"
    assert unwrap_known(url) == "https://harbour.example/p/x"
    assert unwrap_known("https://substack.com/redirect/2/not-base64!") == (
        "https://substack.com/redirect/2/not-base64!"
    )
