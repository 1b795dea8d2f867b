"""Canonical URLs: one spelling per article."""

from __future__ import annotations

import pytest

from digest.ingest import canonical_url

CASES = [
    ("HTTPS://News.Example.COM/a/b/", "https://news.example.com/a/b"),
    ("http://example.com:80/x", "http://example.com/x"),
    ("https://example.com:443/x", "https://example.com/x"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("https://example.com/x#comments", "https://example.com/x"),
    ("https://example.com/x?utm_source=rss&utm_medium=feed", "https://example.com/x"),
    ("https://example.com/x?fbclid=1&gclid=2&mc_cid=3&mc_eid=4", "https://example.com/x"),
    ("https://example.com/x?ref=home&ocid=a&cmpid=b", "https://example.com/x"),
    ("https://example.com/x?b=2&a=1", "https://example.com/x?a=1&b=2"),
    ("https://example.com/x?id=7&utm_campaign=z", "https://example.com/x?id=7"),
    ("https://example.com/story/amp", "https://example.com/story"),
    ("https://example.com/story/amp/", "https://example.com/story"),
    ("https://example.com/story?amp", "https://example.com/story"),
    ("https://example.com/story?amp=1", "https://example.com/story"),
    ("https://amp.example.com/story", "https://example.com/story"),
    ("https://example.com/story.amp.html", "https://example.com/story.html"),
    ("https://example.com/amp/story", "https://example.com/story"),
    ("https://m.example.com/story", "https://example.com/story"),
    ("https://mobile.example.com/story", "https://example.com/story"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/", "https://example.com/"),
    ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
    ("https://[2001:DB8::1]:8080/x", "https://[2001:db8::1]:8080/x"),
    ("  https://example.com/padded  ", "https://example.com/padded"),
]


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_relative_url_is_resolved_against_base() -> None:
    assert canonical_url("../b/c?utm_source=x", "https://site.example/a/d/") == (
        "https://site.example/a/b/c"
    )


def test_non_http_urls_are_left_alone() -> None:
    assert canonical_url("mailto:editor@example.com") == "mailto:editor@example.com"


def test_canonical_url_is_idempotent() -> None:
    for url, _ in CASES:
        once = canonical_url(url)
        assert canonical_url(once) == once
