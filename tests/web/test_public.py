"""Subscriber pages through Flask's test client: CSRF, one-click unsubscribe, the archive."""

from __future__ import annotations

import re

from sqlalchemy import select

from digest import audience
from digest.extensions import db
from digest.models import Newsletter, Subscription, SubscriptionStatus
from digest.tokens import make_token
from tests.test_end_to_end import build_and_send


def newsletter(app) -> Newsletter:
    letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
    db.session.add(letter)
    db.session.commit()
    return letter


def test_subscribe_form_without_csrf_token_is_refused(client, app):
    newsletter(app)
    response = client.post("/subscribe", data={"newsletter": "city", "email": "a@example.org"})
    assert response.status_code == 400
    assert db.session.scalars(select(Subscription)).first() is None


def test_subscribing_sends_a_confirmation_that_activates(client, app, smtp_server):
    newsletter(app)
    page = client.get("/subscribe").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/subscribe", data={"csrf_token": token, "newsletter": "city", "email": "New@Example.org"}
    )
    assert response.status_code == 200
    subscription = db.session.scalars(select(Subscription)).one()
    assert subscription.status is SubscriptionStatus.PENDING
    body = smtp_server.received[0].message.get_content()
    link = re.search(r"http://digest\.test(/confirm/\S+)", body).group(1)
    assert client.get(link).status_code == 200
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.subscriber.email == "new@example.org"


def test_unsubscribe_get_shows_a_button_and_changes_nothing(client, app):
    subscription = audience.subscribe(newsletter(app), "a@example.org", is_confirmed=True)
    db.session.commit()
    page = client.get(f"/unsubscribe/{make_token('unsubscribe', subscription.id)}")
    assert page.status_code == 200
    assert b"<button" in page.data
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_one_click_post_needs_no_cookie_or_csrf_token(client, app):
    subscription = audience.subscribe(newsletter(app), "a@example.org", is_confirmed=True)
    db.session.commit()
    token = make_token("unsubscribe", subscription.id)
    response = client.post(
        f"/unsubscribe/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.UNSUBSCRIBED


def test_forged_unsubscribe_token_is_404(client, app):
    assert client.post("/unsubscribe/not-a-token").status_code == 404


def test_resubscribing_by_import_does_not_revive_an_unsubscribed_address(app):
    letter = newsletter(app)
    subscription = audience.subscribe(letter, "a@example.org", is_confirmed=True)
    audience.unsubscribe(subscription)
    db.session.commit()
    again = audience.subscribe(letter, "A@example.org", is_confirmed=True)
    assert again.status is SubscriptionStatus.UNSUBSCRIBED


def test_archive_shows_the_sent_edition(client, runner, smtp_server, tmp_path):
    edition_id = build_and_send(runner, tmp_path)
    page = client.get(f"/archive/city/{edition_id}")
    assert page.status_code == 200
    assert b"Harbour Bridge Reopens After Repairs" in page.data
    assert client.get(f"/archive/other/{edition_id}").status_code == 404


def test_editor_pages_need_a_signed_in_user(client, app):
    response = client.get("/editor/")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_preferences_save_the_subscribers_topics(client, app):
    subscription = audience.subscribe(newsletter(app), "a@example.org", is_confirmed=True)
    db.session.commit()
    url = f"/preferences/{make_token('preferences', subscription.id)}"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(url, data={"csrf_token": token, "topics": "Sport, Transport"})
    db.session.refresh(subscription)
    assert subscription.topics == ["Sport", "Transport"]


def test_an_unsubscribe_token_does_not_open_preferences(client, app):
    subscription = audience.subscribe(newsletter(app), "a@example.org", is_confirmed=True)
    db.session.commit()
    token = make_token("unsubscribe", subscription.id)
    assert client.get(f"/preferences/{token}").status_code == 404
