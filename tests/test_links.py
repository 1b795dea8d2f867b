"""Subscriber link tokens: signed per purpose, unforgeable, confirmation links expire."""

from __future__ import annotations

from digest.links import make_token, read_token, subscriber_url
from digest.settings import LinkSettings

LINKS = LinkSettings(secret_key="test-secret", base_url="http://digest.test")


def test_a_token_names_its_subscription():
    for purpose in ("unsubscribe", "preferences", "confirm"):
        assert read_token(LINKS, purpose, make_token(LINKS, purpose, 42)) == 42


def test_a_token_is_only_good_for_its_purpose():
    assert read_token(LINKS, "preferences", make_token(LINKS, "unsubscribe", 42)) is None
    assert read_token(LINKS, "unsubscribe", make_token(LINKS, "confirm", 42)) is None


def test_a_changed_token_is_refused():
    token = make_token(LINKS, "unsubscribe", 42)
    assert read_token(LINKS, "unsubscribe", "43" + token[2:]) is None
    assert read_token(LINKS, "unsubscribe", "garbage") is None
    assert read_token(LINKS, "unsubscribe", "é.x") is None


def test_another_secret_key_refuses_the_token():
    token = make_token(LINKS, "unsubscribe", 42)
    other = LinkSettings(secret_key="another-secret", base_url=LINKS.base_url)
    assert read_token(other, "unsubscribe", token) is None


def test_a_subscriber_url_is_absolute_on_the_base_url():
    url = subscriber_url(LINKS, "unsubscribe", 7)
    assert url.startswith("http://digest.test/unsubscribe/")
    assert read_token(LINKS, "unsubscribe", url.rsplit("/", 1)[1]) == 7
