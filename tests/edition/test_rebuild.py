"""Rebuilding a draft from its sources keeps every change the editor made, and says what came in."""

from __future__ import annotations

from flask import current_app

from digest.edition import overrides
from digest.edition.build import build_edition, build_next
from digest.edition.snapshot import make_snapshot
from digest.extensions import db
from digest.ingest.poll import import_source
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from digest.models import Newsletter
from tests.support.factories import settings_of

TEXTS = {
    "Harbour bridge reopens": "The harbour bridge reopened on Monday after eight months of "
    "repairs. Engineers replaced two hundred steel cables and traffic moved freely by noon.",
    "Apple harvest breaks records": "Orchard growers across the valley expect a record apple "
    "harvest this autumn after a mild spring. Pickers are in short supply, growers said.",
    "Library opens late on Fridays": "The central library will stay open until ten on Fridays "
    "from next month. Volunteers will run a homework club in the evenings.",
    "Football club signs striker": "The city football club signed a young striker from the "
    "coast on a three year contract. The coach praised her speed and her finishing.",
}
LATE = {
    "New tram line approved": "The council approved a new tram line linking the station to the "
    "university. Construction starts next year and should take three years to finish.",
}


def newsletter() -> Newsletter:
    letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
    db.session.add(letter)
    db.session.flush()
    return letter


def store(letter: Newsletter, texts: dict[str, str]) -> None:
    articles = [RawArticle(title=title, text=text) for title, text in texts.items()]
    store_articles(import_source(letter), articles)
    db.session.commit()


def item_titled(edition, title: str):
    return next(item for item in edition.items if item.article.title == title)


def shown(edition) -> list[tuple[str, list[str]]]:
    snapshot = make_snapshot(edition, settings_of(current_app).edition)
    return [(s["name"], [story["title"] for story in s["stories"]]) for s in snapshot["sections"]]


def shape(edition) -> None:
    """Pin, exclude, edit, move, rename and reorder: one of every kind of change."""
    overrides.set_flags(item_titled(edition, "Library opens late on Fridays"), pinned=True)
    overrides.set_flags(item_titled(edition, "Football club signs striker"), excluded=True)
    overrides.edit_story(
        item_titled(edition, "Harbour bridge reopens"), "Bridge open again", "Cables replaced."
    )
    overrides.move_to_section(item_titled(edition, "Apple harvest breaks records"), "Farming")
    first_section = edition.items[0].section
    overrides.rename_section(edition, first_section, "Around town")
    overrides.move_story(item_titled(edition, "Harbour bridge reopens"), -1)
    db.session.commit()


def test_a_rebuild_keeps_every_change_and_adds_what_arrived(app):
    letter = newsletter()
    store(letter, TEXTS)
    edition = build_edition(letter)
    db.session.commit()
    shape(edition)
    before = shown(edition)

    store(letter, LATE)
    report = build_next(letter)
    db.session.commit()

    assert report.edition.id == edition.id and not report.is_new
    assert report.added == ["New tram line approved"]
    after = shown(edition)
    without_new = [
        (name, [t for t in titles if t != "New tram line approved"]) for name, titles in after
    ]
    assert [(n, t) for n, t in without_new if t] == before
    harbour = item_titled(edition, "Harbour bridge reopens")
    assert (harbour.headline, harbour.summary_text) == ("Bridge open again", "Cables replaced.")
    assert item_titled(edition, "Library opens late on Fridays").is_pinned
    assert item_titled(edition, "Football club signs striker").is_excluded
    assert item_titled(edition, "Apple harvest breaks records").section == "Farming"


def test_a_new_story_of_a_renamed_section_goes_under_the_new_name(app):
    letter = newsletter()
    store(letter, TEXTS)
    edition = build_edition(letter)
    built = {item.section for item in edition.items}
    for name in built:
        overrides.rename_section(edition, name, f"Renamed {name}")
    db.session.commit()
    store(letter, LATE)
    build_next(letter)
    tram = item_titled(edition, "New tram line approved")
    assert tram.section.startswith("Renamed ") or tram.section not in built
    assert not {item.section for item in edition.items} & built


def test_a_rebuild_with_nothing_new_changes_nothing(app):
    letter = newsletter()
    store(letter, TEXTS)
    edition = build_edition(letter)
    db.session.commit()
    shape(edition)
    before = [(i.id, i.section, i.position, i.is_pinned, i.is_excluded) for i in edition.items]
    report = build_next(letter)
    assert report.added == [] and report.joined == 0
    assert [
        (i.id, i.section, i.position, i.is_pinned, i.is_excluded) for i in edition.items
    ] == before
