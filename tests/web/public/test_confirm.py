"""Confirming with a button, links that expire, and the welcome mail."""

from __future__ import annotations

import time
from unittest import mock

from digest import audience
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import SubscriptionStatus
from tests.support.factories import make_edition
from tests.web.subscriber_support import link, post_form, topic_newsletter

EIGHT_DAYS = 8 * 24 * 3600


def pending(letter, email="new@example.org", topics=None):
    subscription = audience.subscribe(letter, email, topics=topics)
    db.session.commit()
    return subscription


def test_a_get_shows_a_button_and_confirms_nothing(app, client):
    subscription = pending(topic_newsletter())
    page = client.get(link(app, "confirm", subscription.id))
    assert page.status_code == 200 and b"Confirm my subscription" in page.data
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.PENDING


def test_the_button_confirms(app, client):
    subscription = pending(topic_newsletter())
    response = post_form(client, link(app, "confirm", subscription.id), {})
    assert b"You are subscribed" in response.data
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_an_expired_link_offers_a_new_one(app, client, smtp_server):
    subscription = pending(topic_newsletter())
    url = link(app, "confirm", subscription.id)
    later = time.time() + EIGHT_DAYS
    with mock.patch("time.time", return_value=later):
        page = client.get(url)
        assert page.status_code == 410 and b"This link has expired" in page.data
        post_form(client, url + "/renew", {}, page_url=url)
    assert "Confirm your subscription" in smtp_server.wait_for(1)[0].message["Subject"]
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.PENDING


def test_a_new_reader_gets_a_short_welcome_when_nothing_was_sent(app, client, smtp_server):
    subscription = pending(topic_newsletter())
    page = post_form(client, link(app, "confirm", subscription.id), {})
    assert b"A short welcome is on its way" in page.data
    assert b"latest edition" not in page.data  # there is none to send
    welcome = smtp_server.wait_for(1)[0].message
    assert welcome["Subject"] == "Welcome to City Digest"
    assert "every morning" in welcome.get_content()


def test_a_link_used_again_says_nothing_more_is_sent(app, client, smtp_server):
    subscription = pending(topic_newsletter())
    url = link(app, "confirm", subscription.id)
    post_form(client, url, {})
    smtp_server.wait_for(1)
    again = client.get(url).get_data(as_text=True)
    assert "already confirmed, so nothing more is sent now" in again
    assert "on its way" not in again


def test_a_new_reader_gets_the_latest_sent_edition_in_their_topics(app, client, smtp_server):
    from digest.deliver import deliver_edition
    from tests.support.factories import settings_of

    letter = topic_newsletter()
    edition = make_edition(
        letter,
        items=[
            {"title": "Derby Ends Level", "section": "Sport"},
            {"title": "Comet Over the Valley", "section": "Science"},
        ],
    )
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))  # nobody subscribed yet
    subscription = pending(letter, topics=["Science"])
    page = post_form(client, link(app, "confirm", subscription.id), {})
    assert b"The latest edition is on its way as a welcome" in page.data
    welcome = smtp_server.wait_for(1)[0].message
    text = welcome.get_body(("plain",)).get_content()
    assert welcome["Subject"] == edition.subject
    assert "Comet Over the Valley" in text and "Derby Ends Level" not in text
    assert "Welcome to City Digest" in text
