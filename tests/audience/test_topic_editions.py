"""Topics mean the sections a reader sees: a topic reader gets those sections (and pinned
stories) only, and a reader whose edition would be empty is skipped, never mailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from digest.audience.topics import UnknownTopics, choose_topics, newsletter_topics
from digest.deliver import counts_of, deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Delivery, DeliveryStatus, Subscriber, utcnow
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of

STORIES = [
    {"title": "Harbour Derby Ends Level", "section": "Sport"},
    {"title": "Council Backs New Tram Line", "section": "Transport"},
    {"title": "Comet Seen Over the Valley", "section": "Science", "categories": ["Space"]},
]


def edition_with_sections(newsletter):
    edition = make_edition(newsletter, items=STORIES)
    lifecycle.approve(edition)
    db.session.commit()
    return edition


def titles_received(smtp_server, address: str) -> set[str]:
    found = set()
    for received in smtp_server.received:
        if address in received.recipients:
            text = received.message.get_body(("plain",)).get_content()
            found |= {story["title"] for story in STORIES if story["title"] in text}
    return found


def test_the_newsletter_offers_its_sections_and_feed_categories(app):
    newsletter = make_newsletter(sections={"Culture": ["theatre"]})
    edition_with_sections(newsletter)
    assert newsletter_topics(newsletter) == ["Culture", "Science", "Space", "Sport", "Transport"]


def test_the_admins_choice_restricts_the_topics(app):
    newsletter = make_newsletter(topic_choices=["Sport", "Science"])
    edition_with_sections(newsletter)
    assert newsletter_topics(newsletter) == ["Sport", "Science"]
    assert choose_topics(newsletter, ["sport"]) == ["Sport"]
    with pytest.raises(UnknownTopics):
        choose_topics(newsletter, ["Transport"])


def test_a_topic_reader_gets_only_their_sections(app, smtp_server):
    newsletter = make_newsletter()
    edition = edition_with_sections(newsletter)
    make_subscribers(newsletter, 1, start=0, topics=["Sport"])
    make_subscribers(newsletter, 1, start=1, topics=["Space"])
    make_subscribers(newsletter, 1, start=2)
    deliver_edition(edition.id, settings_of(app))
    assert titles_received(smtp_server, "reader0@example.org") == {"Harbour Derby Ends Level"}
    assert titles_received(smtp_server, "reader1@example.org") == {"Comet Seen Over the Valley"}
    assert len(titles_received(smtp_server, "reader2@example.org")) == 3


def test_pinned_stories_reach_every_topic_reader(app, smtp_server):
    newsletter = make_newsletter()
    edition = make_edition(newsletter, items=STORIES)
    edition.items[1].is_pinned = True
    lifecycle.approve(edition)
    db.session.commit()
    make_subscribers(newsletter, 1, topics=["Sport"])
    deliver_edition(edition.id, settings_of(app))
    assert titles_received(smtp_server, "reader0@example.org") == {
        "Harbour Derby Ends Level",
        "Council Backs New Tram Line",
    }


def test_nobody_gets_an_empty_edition_they_are_skipped_and_counted(app, smtp_server):
    newsletter = make_newsletter()
    edition = edition_with_sections(newsletter)
    make_subscribers(newsletter, 2, start=0, topics=["Culture"])
    make_subscribers(newsletter, 1, start=2, topics=["Transport"])
    deliver_edition(edition.id, settings_of(app))
    assert [r.recipients for r in smtp_server.received] == [["reader2@example.org"]]
    for received in smtp_server.received:
        assert "Nothing new" not in received.message.get_body(("plain",)).get_content()
    counts = counts_of(edition.id)
    assert counts["skipped"] == 2 and counts["sent"] == 1 and counts["pending"] == 0
    skipped = db.session.scalars(
        select(Delivery).where(Delivery.status == DeliveryStatus.SKIPPED)
    ).all()
    assert all("no story in the chosen topics" in row.last_error for row in skipped)


def test_a_paused_reader_gets_nothing_until_the_pause_ends(app, smtp_server):
    newsletter = make_newsletter()
    edition = edition_with_sections(newsletter)
    make_subscribers(newsletter, 2)
    paused = db.session.scalars(
        select(Subscriber).where(Subscriber.email == "reader0@example.org")
    ).one()
    subscription = newsletter_subscription(paused)
    subscription.paused_until = utcnow() + timedelta(days=7)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    assert [r.recipients for r in smtp_server.received] == [["reader1@example.org"]]


def test_a_pause_that_ended_no_longer_holds_mail_back(app, smtp_server):
    newsletter = make_newsletter()
    edition = edition_with_sections(newsletter)
    make_subscribers(newsletter, 1)
    subscription = newsletter_subscription(db.session.scalars(select(Subscriber)).one())
    subscription.paused_until = utcnow() - timedelta(seconds=30)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    assert [r.recipients for r in smtp_server.received] == [["reader0@example.org"]]


def newsletter_subscription(subscriber):
    from digest.models import Subscription

    return db.session.scalars(
        select(Subscription).where(Subscription.subscriber_id == subscriber.id)
    ).one()
