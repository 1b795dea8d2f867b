"""Subscriber pages through Flask's test client: CSRF, one-click unsubscribe, the archive."""

from __future__ import annotations

import re

from sqlalchemy import select

from digest import audience
from digest.extensions import db
from digest.links import make_token
from digest.models import Newsletter, Subscription, SubscriptionStatus
from tests.support.factories import settings_of
from tests.support.pipeline import build_and_send
from tests.web.conftest import csrf_of


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
    token = csrf_of(page)
    response = client.post(
        "/subscribe", data={"csrf_token": token, "newsletter": "city", "email": "New@Example.org"}
    )
    assert response.status_code == 200
    subscription = db.session.scalars(select(Subscription)).one()
    assert subscription.status is SubscriptionStatus.PENDING
    body = smtp_server.wait_for(1)[0].text
    link = re.search(r"http://digest\.test(/confirm/\S+)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.PENDING  # a link scanner confirms nothing
    client.post(link, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.subscriber.email == "new@example.org"


def test_unsubscribe_get_shows_a_button_and_changes_nothing(client, app):
    subscription = audience.subscribe(newsletter(app), "a@example.org", is_confirmed=True)
    db.session.commit()
    page = client.get(
        f"/unsubscribe/{make_token(settings_of(app).links, 'unsubscribe', subscription.id)}"
    )
    assert page.status_code == 200
    assert b"<button" in page.data
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_one_click_post_needs_no_cookie_or_csrf_token(client, app):
    subscription = audience.subscribe(newsletter(app), "a@example.org", is_confirmed=True)
    db.session.commit()
    token = make_token(settings_of(app).links, "unsubscribe", subscription.id)
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


def test_a_malformed_address_comes_back_with_its_error_and_the_typed_values(client, app):
    newsletter(app)
    token = csrf_of(client.get("/subscribe").get_data(as_text=True))
    response = client.post(
        "/subscribe",
        data={"csrf_token": token, "newsletter": "city", "email": "anna@@x", "name": "Anna B"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="anna@@x"' in page
    assert 'value="Anna B"' in page
    assert "Enter an email address like name@example.org." in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalars(select(Subscription)).first() is None


def test_an_unknown_newsletter_is_a_form_error(client, app):
    newsletter(app)
    token = csrf_of(client.get("/subscribe").get_data(as_text=True))
    response = client.post(
        "/subscribe", data={"csrf_token": token, "newsletter": "nope", "email": "a@example.org"}
    )
    assert response.status_code == 422
    assert 'value="a@example.org"' in response.get_data(as_text=True)


def test_the_subscribe_form_labels_every_input(client, app):
    newsletter(app)
    page = client.get("/subscribe?newsletter=city").get_data(as_text=True)
    for name in ("newsletter", "email", "name"):
        assert f'<label for="{name}">' in page
    assert re.search(r'<option selected value="city">|<option value="city" selected', page)


def test_an_unsubscribe_token_does_not_open_preferences(client, app):
    subscription = audience.subscribe(newsletter(app), "a@example.org", is_confirmed=True)
    db.session.commit()
    token = make_token(settings_of(app).links, "unsubscribe", subscription.id)
    assert client.get(f"/preferences/{token}").status_code == 404
