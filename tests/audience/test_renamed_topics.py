"""A section an editor renames stays one topic: the subscribe form does not gain the new name,
and a reader who chose either name keeps getting its stories."""

from __future__ import annotations

from flask import current_app

from digest.audience.topics import choose_topics, newsletter_topics
from digest.deliver import deliver_edition
from digest.edition import lifecycle, overrides
from digest.extensions import db
from digest.models import Edition, Newsletter
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of

TRAM = {"title": "Council Backs New Tram Line", "section": "Transport"}
DERBY = {"title": "Harbour Derby Ends Level", "section": "Sport"}


def renamed_edition(newsletter: Newsletter) -> Edition:
    """A sent edition with "Transport", then a draft whose "Transport" the editor renamed."""
    first = make_edition(newsletter, items=[TRAM, DERBY])
    send(first)
    second = make_edition(newsletter, items=[TRAM | {"title": "Ferry Fares Frozen"}, DERBY])
    overrides.rename_section(second, "Transport", "Getting around")
    db.session.commit()
    return second


def send(edition: Edition) -> None:
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(current_app))


def mail_to(smtp_server, address: str) -> str:
    found = [r for r in smtp_server.received if r.recipients == [address]]
    return found[-1].text


def test_a_renamed_section_is_not_a_second_topic(app, smtp_server):
    newsletter = make_newsletter()
    renamed_edition(newsletter)
    assert newsletter_topics(newsletter) == ["Sport", "Transport"]
    renamed = make_edition(newsletter, items=[TRAM | {"title": "Bus Lanes"}])  # renamed again
    overrides.rename_section(renamed, "Transport", "On the move")
    db.session.commit()
    assert newsletter_topics(newsletter) == ["Sport", "Transport"]


def test_a_reader_of_the_old_name_gets_the_renamed_sections_stories(app, smtp_server):
    newsletter = make_newsletter()
    edition = renamed_edition(newsletter)
    make_subscribers(newsletter, 1, start=0, topics=["Transport"])
    smtp_server.received.clear()
    send(edition)
    text = mail_to(smtp_server, "reader0@example.org")
    assert "GETTING AROUND" in text and "Ferry Fares Frozen" in text
    assert "Harbour Derby" not in text and "Nothing on Transport" not in text


def test_a_reader_of_the_new_name_follows_the_section_under_either_name(app, smtp_server):
    newsletter = make_newsletter()
    edition = renamed_edition(newsletter)
    make_subscribers(newsletter, 1, start=0, topics=["Getting around"])  # chosen when offered
    smtp_server.received.clear()
    send(edition)
    assert "Ferry Fares Frozen" in mail_to(smtp_server, "reader0@example.org")
    later = make_edition(newsletter, items=[TRAM | {"title": "Night Buses Return"}, DERBY])
    send(later)  # "Transport" again, not renamed
    text = mail_to(smtp_server, "reader0@example.org")
    assert "Night Buses Return" in text and "Harbour Derby" not in text


def test_saving_the_new_name_keeps_the_topic_it_stays(app):
    newsletter = make_newsletter()
    renamed_edition(newsletter)
    assert choose_topics(newsletter, ["Getting around", "sport"]) == ["Transport", "Sport"]
    assert choose_topics(newsletter, ["getting around", "Transport"]) == ["Transport"]
