"""WebSub pieces without a database: the hub a feed announces, and delivery signatures."""

from __future__ import annotations

import hashlib
import hmac

from digest.ingest.feeds import parse_feed
from digest.ingest.websub import announced_hub, is_signed_by, links_in_header
from tests.support.hub import atom_feed

FEED_URL = "http://river.example/feed.atom"
RSS_WITH_HUB = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Valley</title>
<link>http://valley.example/</link>
<atom:link rel="hub" href="https://hub.example/"/>
<atom:link rel="self" href="http://valley.example/rss" type="application/rss+xml"/>
<item><title>Ferry</title><link>http://valley.example/ferry</link></item></channel></rss>"""


def test_an_atom_feed_names_its_hub_and_topic():
    feed = parse_feed(
        atom_feed([("a", "A")], "https://hub.example/", "/feed.atom").encode(), FEED_URL
    )
    found = announced_hub(feed, None, FEED_URL)
    assert (found.hub, found.topic) == ("https://hub.example/", FEED_URL)


def test_an_rss_feed_names_its_hub_with_atom_links():
    found = announced_hub(parse_feed(RSS_WITH_HUB, "http://valley.example/feed"), None, "x")
    assert (found.hub, found.topic) == ("https://hub.example/", "http://valley.example/rss")


def test_the_link_header_comes_before_the_document():
    feed = parse_feed(RSS_WITH_HUB, "http://valley.example/feed")
    header = '<https://other-hub.example/>; rel="hub", </topic>; rel="self"'
    found = announced_hub(feed, header, "http://valley.example/feed")
    assert (found.hub, found.topic) == ("https://other-hub.example/", "http://valley.example/topic")


def test_a_feed_without_a_hub_names_none():
    feed = parse_feed(atom_feed([("a", "A")]).encode(), FEED_URL)
    assert announced_hub(feed, "<http://x.example/>; rel=alternate", FEED_URL) is None


def test_a_hub_that_is_not_a_web_address_is_ignored():
    feed = parse_feed(atom_feed([("a", "A")], "javascript:alert(1)").encode(), FEED_URL)
    assert announced_hub(feed, None, FEED_URL) is None


def test_a_link_header_may_give_several_rels_and_unquoted_ones():
    header = '<https://h.example/>; rel=hub, <https://t.example/>; title=x; rel="self alternate"'
    links = links_in_header(header, FEED_URL)
    assert links == {
        "hub": "https://h.example/",
        "self": "https://t.example/",
        "alternate": "https://t.example/",
    }


def sign(method: str, secret: str, body: bytes) -> str:
    return f"{method}={hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()}"


def test_sha1_and_sha256_signatures_are_checked():
    body = b"<feed/>"
    for method in ("sha1", "sha256", "sha512"):
        assert is_signed_by("s3cret", body, sign(method, "s3cret", body))
        assert not is_signed_by("other", body, sign(method, "s3cret", body))
        assert not is_signed_by("s3cret", body + b" ", sign(method, "s3cret", body))


def test_a_missing_or_strange_signature_is_not_a_signature():
    body = b"<feed/>"
    digest = hashlib.md5(body).hexdigest()
    for header in (None, "", "sha256=", "md5=" + digest, "sha256", "sha256=\u00e9\u00e9"):
        assert not is_signed_by("s3cret", body, header)
