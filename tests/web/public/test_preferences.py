"""The preferences page: topics, frequency, a pause, a name; honoured by the next edition."""

from __future__ import annotations

import re
from datetime import timedelta

from digest import audience
from digest.audience.preferences import is_paused
from digest.extensions import db
from digest.models import utcnow
from tests.web.subscriber_support import link, post_form, topic_newsletter


def reader(**fields):
    subscription = audience.subscribe(
        topic_newsletter(**fields), "a@example.org", "Ann", is_confirmed=True
    )
    db.session.commit()
    return subscription


def test_the_page_offers_the_newsletters_topics_as_checkboxes(app, client):
    subscription = reader()
    page = client.get(link(app, "preferences", subscription.id)).get_data(as_text=True)
    for topic in ("Sport", "Science", "Transport"):
        assert f'type="checkbox" value="{topic}"' in page
    assert "Once a week" not in page  # not offered by this newsletter


def test_topics_and_name_are_saved(app, client):
    subscription = reader()
    url = link(app, "preferences", subscription.id)
    response = post_form(client, url, {"topics": ["Science", "Sport"], "name": "Ann B"})
    assert response.status_code == 302
    db.session.refresh(subscription)
    assert sorted(subscription.topics) == ["Science", "Sport"]
    assert subscription.subscriber.name == "Ann B"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="Science"', page)
    assert not re.search(r'<input checked[^>]*value="Transport"', page)


def test_an_unknown_topic_is_refused(app, client):
    subscription = reader()
    url = link(app, "preferences", subscription.id)
    response = post_form(client, url, {"topics": ["Gossip"]})
    assert response.status_code == 422 and b"Not a topic of this newsletter" in response.data
    db.session.refresh(subscription)
    assert subscription.topics == []


def test_weekly_is_offered_only_when_the_newsletter_offers_it(app, client):
    subscription = reader()
    url = link(app, "preferences", subscription.id)
    assert post_form(client, url, {"frequency": "weekly"}).status_code == 422
    subscription.newsletter.offers_weekly = True
    db.session.commit()
    assert "Once a week" in client.get(url).get_data(as_text=True)
    assert post_form(client, url, {"frequency": "weekly"}).status_code == 302
    db.session.refresh(subscription)
    assert subscription.frequency == "weekly"


def test_a_pause_of_two_weeks_and_resuming(app, client):
    subscription = reader()
    url = link(app, "preferences", subscription.id)
    post_form(client, url, {"pause": "2"})
    db.session.refresh(subscription)
    left = subscription.paused_until - utcnow()
    assert timedelta(days=13) < left <= timedelta(days=14)
    assert is_paused(subscription)
    assert "Paused until" in client.get(url).get_data(as_text=True)
    post_form(client, url, {"pause": "0"})
    db.session.refresh(subscription)
    assert subscription.paused_until is None


def test_a_pause_of_three_weeks_is_not_offered(app, client):
    subscription = reader()
    response = post_form(client, link(app, "preferences", subscription.id), {"pause": "3"})
    assert response.status_code == 422


def test_an_unsubscribed_reader_is_offered_to_come_back_not_a_form(app, client):
    subscription = reader()
    url = link(app, "preferences", subscription.id)
    audience.unsubscribe(subscription)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "already unsubscribed" in page and "Resubscribe" in page
    assert 'type="checkbox"' not in page
    saved = post_form(client, url, {"topics": ["Sport"]}, page_url="/subscribe")
    assert saved.status_code == 409 and b"already unsubscribed" in saved.data
    db.session.refresh(subscription)
    assert subscription.topics == []


def test_an_unsubscribe_link_opened_again_says_so_instead_of_asking_again(app, client):
    subscription = reader()
    url = link(app, "unsubscribe", subscription.id)
    assert "Stop sending" in client.get(url).get_data(as_text=True)
    client.post(url)  # the one-click POST a mail client makes
    again = client.get(url).get_data(as_text=True)
    assert "already unsubscribed" in again and "Stop sending" not in again
