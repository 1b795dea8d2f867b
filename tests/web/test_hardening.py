"""What an attacker on the public pages tried, refused: sessions, floods, slow mail, names."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from digest import audience
from digest.extensions import db
from digest.models import OutboxMail, Subscriber
from digest.web import mailer
from tests.support.factories import make_newsletter
from tests.support.live import at_once, live_server, post
from tests.web.conftest import ADMIN, PASSWORD, csrf_of


def subscribe(client, email: str, newsletter: str = "city", name: str = ""):
    token = csrf_of(client.get("/subscribe").get_data(as_text=True))
    data = {"csrf_token": token, "newsletter": newsletter, "email": email, "name": name}
    return client.post("/subscribe", data=data)


def test_a_cookie_copied_before_sign_out_no_longer_opens_the_editor(app, client, sign_in):
    sign_in("editor")
    assert client.get("/editor/").status_code == 200
    host = app.config["SERVER_NAME"]  # where the test client sends its requests
    stolen = client.get_cookie("session", domain=host).value
    page = client.get("/editor/").get_data(as_text=True)
    client.post("/admin/logout", data={"csrf_token": csrf_of(page)})
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain=host)
    assert thief.get("/editor/").status_code == 302  # sent to sign in


def test_one_address_gets_one_confirmation_a_day_whoever_asks(app, client, smtp_server):
    make_newsletter()
    make_newsletter("other", title="Other")
    for newsletter in ("city", "other", "city"):
        assert subscribe(client, "victim@example.org", newsletter).status_code == 200
    assert mailer.drain(timeout=30)  # every mail the requests queued has been tried
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 1
    assert smtp_server.recipients() == ["victim@example.org"]


def test_the_answer_does_not_wait_for_a_stalled_mail_server(make_app):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never greets
    try:
        app = make_app(smtp_port=str(silent.getsockname()[1]), smtp_timeout="20")
        with app.app_context():
            make_newsletter()
            client = app.test_client()
            started = time.monotonic()
            assert subscribe(client, "new@example.org").status_code == 200
            assert time.monotonic() - started < 5  # the mail waits in the background
    finally:
        silent.close()


def test_a_subscribe_form_cannot_rename_or_phish(app, client, smtp_server):
    make_newsletter()
    subscribe(client, "ada@example.org", name="Ada")
    subscribe(client, "ada@example.org", name="Your account is suspended, verify at evil.example")
    assert db.session.scalar(select(Subscriber.name)) == "Ada"


def login_from(app, address: str, email: str, password: str) -> int:
    """One sign-in attempt from a visitor at `address`; the status of the answer."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post("/admin/login", data=data).status_code


@pytest.fixture
def throttled(make_app):
    """An app with rate limits on, and an admin with PASSWORD."""
    app = make_app(ratelimit_enabled="true")
    with app.app_context():
        from digest.accounts import Role, create_user

        create_user(ADMIN, PASSWORD, Role.ADMIN)
        create_user("other@example.org", PASSWORD, Role.EDITOR)
        db.session.commit()
    return app


def test_wrong_passwords_from_many_addresses_do_not_lock_the_owner_out(throttled):
    answers = [login_from(throttled, f"10.0.0.{n}", ADMIN, "wrong password!") for n in range(25)]
    assert answers == [401] * 25
    assert login_from(throttled, "192.0.2.7", ADMIN, PASSWORD) == 302  # the owner, at home


def test_guessing_one_account_from_one_address_is_throttled_there_only(throttled):
    answers = [login_from(throttled, "10.0.0.1", ADMIN, "wrong password!") for _ in range(6)]
    assert answers == [401] * 5 + [429]
    assert login_from(throttled, "10.0.0.1", "other@example.org", "wrong password!") == 401
    assert login_from(throttled, "192.0.2.7", ADMIN, PASSWORD) == 302


def test_one_address_cannot_spray_many_accounts(throttled):
    accounts = [f"user{n}@example.org" for n in range(12)]
    answers = [login_from(throttled, "10.0.0.1", email, "wrong password!") for email in accounts]
    assert answers == [401] * 10 + [429, 429]
    assert login_from(throttled, "192.0.2.7", ADMIN, PASSWORD) == 302


def test_an_old_confirmation_link_tells_the_truth_after_unsubscribing(app, client):
    from digest import audience
    from digest.links import make_token
    from tests.support.factories import settings_of

    subscription = audience.subscribe(make_newsletter(), "left@example.org", is_confirmed=True)
    token = make_token(settings_of(app).links, "confirm", subscription.id)
    audience.unsubscribe(subscription)
    subscription.unsubscribed_at += timedelta(seconds=2)  # the link is older than the end
    db.session.commit()
    page = client.get(f"/confirm/{token}").get_data(as_text=True)
    assert "This subscription has ended" in page and "You are subscribed" not in page


def test_behind_a_trusted_proxy_visitors_are_told_apart(make_app):
    from flask import request

    for proxies, expected in (("0", "127.0.0.1"), ("1", "203.0.113.9")):
        app = make_app(trusted_proxies=proxies)
        app.add_url_rule("/test-remote-addr", "remote_addr", lambda: request.remote_addr)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "127.0.0.1"  # the proxy
        answer = client.get("/test-remote-addr", headers={"X-Forwarded-For": "203.0.113.9"})
        assert answer.get_data(as_text=True) == expected


@pytest.mark.parametrize("is_known", [False, True], ids=["new address", "pending address"])
def test_a_burst_of_subscribe_requests_for_one_address_sends_one_confirmation(
    make_app, smtp_server, is_known
):
    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        letter = make_newsletter()
        if is_known:  # asked before, never mailed: every request reads the same old row
            audience.subscribe(letter, "burst@example.org")
            db.session.commit()
    with live_server(app) as base_url:
        answers = at_once(40, lambda: post(f"{base_url}/subscribe/city", email="burst@example.org"))
    assert answers == [200] * 40
    assert mailer.drain(timeout=30)
    assert smtp_server.recipients() == ["burst@example.org"]
