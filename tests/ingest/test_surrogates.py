"""Lone surrogates are cleaned where text comes in (feeds, pages, files, mail) and again
where it is stored, so no page, edition or database write ever meets one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from digest.extensions import db
from digest.ingest import extract_page, parse_feed, read_article_file
from digest.ingest.poll import import_source
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from digest.ingest.unicode import without_surrogates
from digest.models import Article
from tests.support.factories import make_newsletter

FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Valley &#xD800;Wire</title>
<item><title>Ferry &#xD800; timetable</title><link>http://valley.example/ferry</link>
<description>Boats every &#55296; twenty &#x110000; minutes &#x1F600;.</description></item>
<item><title>Orchard harvest</title><link>http://valley.example/apples</link>
<description>A record apple harvest is expected.</description></item></channel></rss>"""


def test_a_lone_surrogate_becomes_the_replacement_character_and_a_pair_is_joined():
    assert without_surrogates("a\udc80b\ud83d\ude00") == "a\ufffdb\U0001f600"
    assert without_surrogates("plain text") == "plain text"


def test_character_references_to_surrogates_no_longer_stop_a_feed():
    feed = parse_feed(FEED)
    assert feed.title == "Valley \ufffdWire" and feed.rejected == []
    ferry, orchard = feed.entries
    assert ferry.title == "Ferry \ufffd timetable"
    assert ferry.text == "Boats every \ufffd twenty \ufffd minutes \U0001f600."
    assert orchard.title == "Orchard harvest"


def test_a_page_with_a_lone_surrogate_keeps_its_text():
    html = (
        "<html><head><title>Ferry \udc80news</title></head><body><article>"
        "<p>The ferry \udc80 company said boats will run every twenty minutes from May.</p>"
        "</article></body></html>"
    )
    page = extract_page(html, "http://valley.example/ferry")
    assert page.title == "Ferry \ufffdnews"
    assert (
        page.text == "The ferry \ufffd company said boats will run every twenty minutes from May."
    )


def test_undecodable_mail_headers_come_out_clean(tmp_path: Path):
    mail = (
        b"From: Caf\xe9 Weekly <weekly@example.org>\r\nSubject: Caf\xe9 terraces\r\n"
        b"Message-ID: <caf\xe9-24@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Caf\xc3\xa9 owners asked the council for longer terrace hours.\r\n"
    )
    path = tmp_path / "issue.eml"
    path.write_bytes(mail)
    [article] = read_article_file(path)
    for value in (article.title, article.author, article.guid, article.text):
        value.encode("utf-8")  # raised UnicodeEncodeError on the surrogate escapes
    assert article.title == "Caf\ufffd terraces"


def test_storage_cleans_what_a_reader_missed(app):
    raw = RawArticle(
        title="Bridge \udc80",
        text="It reopened \udc80.",
        url="https://example.org/bridge-\udc80",
        html="<p>It reopened \udc80.</p>",
        guid="g-\udc80",
        author="Ana \udc80",
        origin="Wire \udc80",
        categories=["\udc80", "Roads"],
        image_url="https://example.org/\udc80.jpg",
    )
    result = store_articles(import_source(make_newsletter()), [raw])
    db.session.commit()
    assert result.added == 1 and result.rejected == []
    article = db.session.scalars(select(Article)).one()
    assert (article.title, article.author, article.origin) == (
        "Bridge \ufffd",
        "Ana \ufffd",
        "Wire \ufffd",
    )
    assert article.categories == ["\ufffd", "Roads"] and "\ufffd" in article.html
