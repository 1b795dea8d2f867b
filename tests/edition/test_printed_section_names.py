"""An edition's sections carry the names a newspaper prints, and the editor's name wins."""

from __future__ import annotations

from digest.edition import overrides
from digest.edition.build import build_edition, build_next
from digest.extensions import db
from digest.ingest.poll import import_source
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from tests.support.factories import make_newsletter

MATCHES = {
    "Rovers striker scores twice in cup win": "The striker scored two goals as the team beat "
    "the visitors; the coach praised his players after the league match at the stadium.",
    "Harriers win the relay title": "The club's athletes won the relay final at the "
    "championship; the team captain said the victory came after a hard season.",
    "Tennis club crowns its champion": "The champion won the final of the tournament in "
    "three sets; fans filled the club's courts to watch the match.",
}
LATE = {
    "Rugby side signs a new captain": "The rugby club signed a new captain for the season; "
    "the coach said the squad needed a leader before the league match on Saturday.",
}


def store(letter, texts: dict[str, str]) -> None:
    raws = [RawArticle(title=title, text=text) for title, text in texts.items()]
    store_articles(import_source(letter), raws)
    db.session.commit()


def test_stories_that_clearly_share_a_topic_are_filed_under_its_printed_name(app):
    letter = make_newsletter()
    store(letter, MATCHES)
    edition = build_edition(letter)
    assert {item.section for item in edition.items} == {"Sport"}


def test_a_rebuild_files_new_stories_under_the_editors_name_for_the_section(app):
    letter = make_newsletter()
    store(letter, MATCHES)
    edition = build_edition(letter)
    overrides.rename_section(edition, "Sport", "Matchday")
    db.session.commit()
    store(letter, LATE)
    build_next(letter)
    db.session.commit()
    assert {item.section for item in edition.items} == {"Matchday"}
