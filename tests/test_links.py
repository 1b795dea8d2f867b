"""Subscriber link tokens: signed per purpose, unforgeable, confirmation links expire."""

from __future__ import annotations

from digest.links import PURPOSES, make_token, read_confirm_link, read_token, subscriber_url
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


OLD = LinkSettings(secret_key="old-secret", base_url=LINKS.base_url)
ROTATED = LinkSettings("new-secret", LINKS.base_url, fallback_keys=("older-secret", "old-secret"))
NEW_ONLY = LinkSettings(secret_key="new-secret", base_url=LINKS.base_url)


def test_after_a_key_change_tokens_signed_with_an_old_key_still_work():
    for purpose in PURPOSES:
        assert read_token(ROTATED, purpose, make_token(OLD, purpose, 42)) == 42, purpose
    confirm = read_confirm_link(ROTATED, make_token(OLD, "confirm", 42))
    assert confirm is not None and confirm.subscription_id == 42 and not confirm.is_expired


def test_a_token_signed_with_a_key_neither_current_nor_old_is_refused():
    stranger = LinkSettings(secret_key="stranger-secret", base_url=LINKS.base_url)
    for purpose in PURPOSES:
        assert read_token(ROTATED, purpose, make_token(stranger, purpose, 42)) is None, purpose
    assert read_confirm_link(ROTATED, make_token(stranger, "confirm", 42)) is None


def test_new_tokens_are_signed_with_the_current_key_alone():
    for purpose in PURPOSES:
        token = make_token(ROTATED, purpose, 42)
        assert read_token(NEW_ONLY, purpose, token) == 42, purpose
        assert read_token(OLD, purpose, token) is None, purpose
