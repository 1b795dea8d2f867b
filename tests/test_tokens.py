"""Subscriber link tokens: signed per purpose, unforgeable, confirmation links expire."""

from __future__ import annotations

from digest.tokens import make_token, read_token


def test_a_token_names_its_subscription(app):
    for purpose in ("unsubscribe", "preferences", "confirm"):
        assert read_token(purpose, make_token(purpose, 42)) == 42


def test_a_token_is_only_good_for_its_purpose(app):
    assert read_token("preferences", make_token("unsubscribe", 42)) is None
    assert read_token("unsubscribe", make_token("confirm", 42)) is None


def test_a_changed_token_is_refused(app):
    token = make_token("unsubscribe", 42)
    assert read_token("unsubscribe", "43" + token[2:]) is None
    assert read_token("unsubscribe", "garbage") is None
    assert read_token("unsubscribe", "é.x") is None


def test_another_secret_key_refuses_the_token(make_app):
    app = make_app()
    with app.app_context():
        token = make_token("unsubscribe", 42)
    other = make_app(secret_key="another-secret")
    with other.app_context():
        assert read_token("unsubscribe", token) is None
