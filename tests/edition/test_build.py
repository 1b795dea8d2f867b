"""Building editions: what arrived since the previous one, never twice, reprints as one story."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import current_app

from digest.edition import lifecycle
from digest.edition.build import build_edition
from digest.edition.snapshot import make_snapshot
from digest.errors import InvalidInput
from digest.extensions import db
from digest.ingest.poll import import_source
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from digest.models import Newsletter
from tests.support.factories import settings_of

WIRE = (
    "Regional rail operators agreed on Tuesday to a single ticket that covers every line in the "
    "valley, ending a decade of separate fares. The ticket will cost the same as the cheapest "
    "current pass and go on sale in March, the transport authority said.\n\n"
    "Commuters' groups welcomed the deal but asked for more trains at peak hours. The authority "
    "said it would publish a new timetable in the spring after talks with the operators."
)


def snapshot_of(edition) -> dict:
    return make_snapshot(edition, settings_of(current_app).edition)


def newsletter() -> Newsletter:
    letter = Newsletter(slug="city", title="City", from_email="news@digest.test")
    db.session.add(letter)
    db.session.flush()
    return letter


def store(letter: Newsletter, *articles: RawArticle) -> None:
    store_articles(import_source(letter), list(articles))
    db.session.commit()


def test_an_article_appears_in_one_edition_only(app):
    letter = newsletter()
    store(letter, RawArticle(title="First", text="One thing happened today in the town."))
    first = build_edition(letter)
    first.released_at = first.created_at
    db.session.commit()
    store(letter, RawArticle(title="Second", text="Another thing happened later that day."))
    second = build_edition(letter)
    assert [i.article.title for i in first.items] == ["First"]
    assert [i.article.title for i in second.items] == ["Second"]


def test_a_reprint_with_a_trailer_joins_the_original_story(app):
    letter = newsletter()
    store(
        letter,
        RawArticle(title="Valley Gets One Rail Ticket", text=WIRE, url="https://wire.example/rail"),
    )
    store(
        letter,
        RawArticle(
            title="One ticket for all valley trains",
            text=WIRE + "\n\nThis article first appeared on Wire Service",
            url="https://reprint.example/rail",
            origin="Wire Service",
        ),
    )
    edition = build_edition(letter)
    stories = [s for section in snapshot_of(edition)["sections"] for s in section["stories"]]
    assert len(stories) == 1
    assert stories[0]["url"] == "https://wire.example/rail"


def test_rebuilding_a_draft_refreshes_it_instead_of_adding_an_edition(app):
    letter = newsletter()
    store(letter, RawArticle(title="First", text="One thing happened today in the town."))
    first = build_edition(letter)
    store(letter, RawArticle(title="Second", text="Another thing happened later that day."))
    again = build_edition(letter)
    assert again.id == first.id
    assert sorted(i.article.title for i in again.items) == ["First", "Second"]


def test_preview_writes_html_and_text(runner, app, tmp_path: Path):
    letter = newsletter()
    store(letter, RawArticle(title="First", text="One thing happened today in the town."))
    edition = build_edition(letter)
    db.session.commit()
    result = runner.invoke(
        args=[
            "digest",
            "preview",
            str(edition.id),
            "--html",
            str(tmp_path / "e.html"),
            "--text",
            str(tmp_path / "e.txt"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "First" in (tmp_path / "e.txt").read_text()
    assert "<html" in (tmp_path / "e.html").read_text()


def test_the_editors_keyword_sections_are_honoured(app):
    letter = newsletter()
    letter.sections = {"Transport": ["rail", "ticket"]}
    store(
        letter,
        RawArticle(title="Valley Gets One Rail Ticket", text=WIRE),
        RawArticle(title="Bakery opens", text="A new bakery opened on Mill Street this week."),
    )
    edition = build_edition(letter)
    placed = {s["stories"][0]["title"]: s["name"] for s in snapshot_of(edition)["sections"]}
    assert placed["Valley Gets One Rail Ticket"] == "Transport"
    assert placed["Bakery opens"] != "Transport"


def test_the_editor_saves_keyword_sections(client, app):
    from digest.newsletters import format_sections, parse_sections

    with pytest.raises(InvalidInput, match="line 2"):
        parse_sections("Sport: football, tennis\nbad line\nTransport: rail")
    parsed = parse_sections("Sport: football, tennis\n\nTransport: rail")
    assert parsed == {"Sport": ["football", "tennis"], "Transport": ["rail"]}
    assert parse_sections(format_sections(parsed)) == parsed


def test_summaries_follow_the_newsletters_length(app):
    letter = newsletter()
    letter.summary_sentences, letter.summary_words = 1, 20
    store(letter, RawArticle(title="Single ticket for the valley", text=WIRE))
    edition = build_edition(letter)
    (summary,) = [item.summary for item in edition.items if item.is_representative]
    assert len(summary) == 1 and len(" ".join(summary).split()) <= 20


def test_a_summary_length_outside_the_range_is_refused(runner):
    result = runner.invoke(
        args=["digest", "newsletter", "create", "x", "--title", "X", "--summary-sentences", "5"]
    )
    assert result.exit_code == 1 and "1 to 3 sentences" in result.output


def test_editions_of_one_day_carry_distinct_numbered_titles(app):
    letter = newsletter()
    day = datetime(2026, 12, 2, tzinfo=UTC)
    titles = []
    for hour, title in ((7, "Morning"), (12, "Noon"), (18, "Evening")):
        store(letter, RawArticle(title=title, text=f"{title} news of the town. It happened."))
        edition = build_edition(letter, day.replace(hour=hour))
        titles.append(edition.subject)
        lifecycle.approve(edition)
    assert titles == [f"City #{n}: 2 December 2026" for n in (1, 2, 3)]
    lifecycle.cancel(edition)  # #3 never went out: its number comes back on another day ...
    store(letter, RawArticle(title="Dawn", text="Dawn news of the town. It happened."))
    assert build_edition(letter, day.replace(day=3)).subject == "City #3: 3 December 2026"
    lifecycle.cancel(build_edition(letter, day.replace(day=3, hour=9)))  # nothing new: cancelled
    store(letter, RawArticle(title="Late", text="Late news of the town. It happened."))
    # ... but not the same day, where it would repeat a title
    assert build_edition(letter, day.replace(day=3, hour=20)).subject == "City #5: 3 December 2026"
    weekly = build_edition(letter, day.replace(day=6), cadence="weekly")
    assert weekly.subject == "City #1: the week to 6 December 2026"
