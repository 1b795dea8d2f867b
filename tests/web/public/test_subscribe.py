"""Subscribing: no enumeration, one confirmation a day, resubscribing, limits, topics."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from digest import audience
from digest.extensions import db
from digest.models import Subscriber, Subscription, SubscriptionStatus
from tests.web.subscriber_support import (
    confirm_link_in,
    post_form,
    topic_newsletter,
    without_csrf,
)


def subscribe(client, email: str, **extra):
    return post_form(client, "/subscribe/city", {"email": email, **extra})


def test_the_answer_is_the_same_for_new_pending_active_and_unsubscribed(app, client):
    letter = topic_newsletter()
    audience.subscribe(letter, "pending@example.org")
    audience.subscribe(letter, "active@example.org", is_confirmed=True)
    gone = audience.subscribe(letter, "gone@example.org", is_confirmed=True)
    audience.unsubscribe(gone)
    db.session.commit()
    answers = []
    for email in (
        "new@example.org",
        "pending@example.org",
        "active@example.org",
        "gone@example.org",
    ):
        response = subscribe(client, email)
        assert response.status_code == 200
        per_request = ("Set-Cookie", "X-Request-ID")  # differ on every request, whoever asks
        headers = sorted((k, v) for k, v in response.headers if k not in per_request)
        answers.append((without_csrf(response.data), headers))
    assert all(answer == answers[0] for answer in answers)
    assert b"Check your inbox" in answers[0][0]


def test_one_confirmation_per_address_per_day(app, client, smtp_server):
    topic_newsletter()
    for _ in range(3):
        subscribe(client, "once@example.org")
    assert len(smtp_server.wait_for(1)) == 1
    subscriber = db.session.scalars(select(Subscriber)).one()
    subscriber.confirmation_sent_at -= timedelta(hours=25)
    db.session.commit()
    subscribe(client, "once@example.org")
    assert len(smtp_server.wait_for(2)) == 2


def test_an_unsubscribed_reader_comes_back_through_a_new_confirmation(app, client, smtp_server):
    letter = topic_newsletter()
    subscription = audience.subscribe(letter, "back@example.org", is_confirmed=True)
    audience.unsubscribe(subscription)
    subscription.unsubscribed_at -= timedelta(seconds=5)
    db.session.commit()
    subscribe(client, "back@example.org", topics=["Science"])
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.UNSUBSCRIBED  # not until confirmed
    link = confirm_link_in(smtp_server.wait_for(1)[0])
    post_form(client, link, {})
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.topics == ["Science"]


def test_topics_are_offered_as_checkboxes_and_stored(app, client):
    topic_newsletter()
    page = client.get("/subscribe/city").get_data(as_text=True)
    assert "City Digest" in page and "every morning" in page
    for topic in ("Sport", "Science", "Transport"):
        assert f'type="checkbox" value="{topic}"' in page
    subscribe(client, "fan@example.org", topics=["Sport", "Transport"])
    subscription = db.session.scalars(select(Subscription)).one()
    assert subscription.topics == ["Sport", "Transport"]


def test_an_unknown_topic_is_refused_next_to_the_field(app, client):
    topic_newsletter()
    response = subscribe(client, "fan@example.org", topics=["Gossip"])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "Not a topic of this newsletter: Gossip." in page
    assert 'value="fan@example.org"' in page
    assert db.session.scalars(select(Subscription)).first() is None


def test_an_invalid_address_keeps_what_was_typed_and_is_tied_to_the_field(app, client):
    topic_newsletter()
    response = subscribe(client, "anna@@x", name="Anna")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="anna@@x"' in page and 'aria-describedby="email-errors"' in page
    assert '<p class="field-error" id="email-errors" role="alert">' in page


def test_too_many_requests_get_a_styled_page_with_retry_after(make_app):
    app = make_app(ratelimit_enabled="true")
    with app.app_context():
        topic_newsletter()
        client = app.test_client()
        answers = [subscribe(client, f"r{i}@example.org").status_code for i in range(21)]
        assert answers[:20] == [200] * 20 and answers[20] == 429
        response = subscribe(client, "late@example.org")
        assert int(response.headers["Retry-After"]) > 0
        assert b"Too many requests" in response.data and b'class="topbar"' in response.data


def test_a_request_for_an_active_reader_changes_nothing_of_theirs(app, client, smtp_server):
    letter = topic_newsletter()
    subscription = audience.subscribe(
        letter, "kept@example.org", "Kept", topics=["Sport"], is_confirmed=True
    )
    db.session.commit()
    subscribe(client, "kept@example.org", name="Someone Else", topics=["Science"])
    db.session.refresh(subscription)
    assert subscription.topics == ["Sport"] and subscription.subscriber.name == "Kept"
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert smtp_server.received == []


def test_a_link_from_before_an_unsubscribe_cannot_bring_the_reader_back(app, client):
    from tests.web.subscriber_support import link

    letter = topic_newsletter()
    subscription = audience.subscribe(letter, "left@example.org")
    db.session.commit()
    old_link = link(app, "confirm", subscription.id)
    audience.confirm(subscription)
    audience.unsubscribe(subscription)
    subscription.unsubscribed_at += timedelta(seconds=2)
    db.session.commit()
    page = client.get(old_link).get_data(as_text=True)
    assert "This subscription has ended" in page
    post_form(client, old_link, {}, page_url="/subscribe/city")
    db.session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.UNSUBSCRIBED


def test_an_address_with_more_than_64_characters_before_the_at_is_refused(app, client):
    topic_newsletter()
    response = subscribe(client, "a" * 65 + "@example.org")
    assert response.status_code == 422
    assert "The part before the @ may have at most 64 characters." in response.get_data(True)
    assert db.session.scalars(select(Subscriber)).first() is None
    assert subscribe(client, "a" * 64 + "@example.org").status_code == 200
