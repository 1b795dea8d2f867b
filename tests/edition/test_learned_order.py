"""Editions that learn (issue 23): a newsletter may order the stories of each section by how
often readers clicked their source and section over the last 90 days; off by default, and the
editor's pins and moves still come first. Real builds on a real database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from digest.deliver.rates import click_rates
from digest.edition.build import build_edition, rebuild_edition
from digest.edition.overrides import move_story, set_flags
from digest.edition.snapshot import ordered_sections
from digest.extensions import db
from digest.ingest.poll import add_source_row
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from digest.models import (
    ClickTotal,
    DeliveryStatus,
    Edition,
    EditionStatus,
    Newsletter,
    SourceKind,
    utcnow,
)
from tests.support.factories import make_deliveries, make_newsletter, make_subscribers

READERS = 20
# Sent before: (source, stories, human clicks on each). Raw rates: River 15%, Hill 5%,
# Lucky 20% but on three stories only.
HISTORY = [("River Post", 12, 3), ("Hill Gazette", 12, 1), ("Lucky Times", 3, 4)]
TEXTS = {
    "Hill Gazette": "The hill road closes for repairs to its retaining wall next month.",
    "Fresh News": "A new ferry timetable adds evening crossings to the island in summer.",
    "Lucky Times": "Volunteers planted four hundred oak saplings along the old canal path.",
    "River Post": "The river festival returns with rowing races and a night market.",
}
DEFAULT = ["Hill Gazette", "Fresh News", "Lucky Times", "River Post"]  # newest first
LEARNED = ["River Post", "Lucky Times", "Fresh News", "Hill Gazette"]


def newsletter(learns: bool) -> Newsletter:
    letter = make_newsletter(orders_by_clicks=learns) if learns else make_newsletter()
    make_subscribers(letter, READERS)
    sent_before(letter)
    return letter


def sent_before(letter: Newsletter) -> None:
    """A sent edition two days ago, its clicks already folded into counts per story."""
    stories = [
        {"title": f"{source} {n}", "url": f"https://example.org/{n}", "source": source}
        for source, count, _ in HISTORY
        for n in range(count)
    ]
    clicks = [each for _, count, each in HISTORY for _ in range(count)]
    released = utcnow() - timedelta(days=2)
    edition = Edition(
        newsletter=letter,
        slot=released,
        subject="Before",
        status=EditionStatus.SENT,
        released_at=released,
        snapshot={"sections": [{"name": "Town", "stories": stories}]},
    )
    db.session.add(edition)
    db.session.flush()
    make_deliveries(edition, [(DeliveryStatus.SENT, released)] * READERS)
    for n, human in enumerate(clicks):
        db.session.add(
            ClickTotal(edition_id=edition.id, section=0, story=n, human=human, machine=0)
        )
    db.session.commit()


def arrive(letter: Newsletter, *sources: str, hours_apart: int = 3) -> None:
    """One article from each source, the first the newest, all in the section "Town"."""
    now = utcnow()
    for n, name in enumerate(sources):
        source = add_source_row(letter, SourceKind.IMPORT, f"import:{name}", name)
        article = RawArticle(
            title=f"{name} reports",
            text=TEXTS.get(name, f"{name} has news of the town hall this week."),
            published_at=now - timedelta(hours=hours_apart * n),
            categories=["Town"],
        )
        store_articles(source, [article])
    db.session.commit()


def order(edition: Edition) -> list[str]:
    ((name, items),) = ordered_sections(edition)
    assert name == "Town"
    return [item.article.source.name for item in items]


def test_off_by_default_the_newest_story_leads(app):
    letter = newsletter(learns=False)
    assert not letter.orders_by_clicks
    arrive(letter, *DEFAULT)
    edition = build_edition(letter, rates=click_rates)
    assert order(edition) == DEFAULT and not edition.ordered_by_clicks


def test_a_newsletter_that_learns_puts_the_stories_readers_click_first(app):
    letter = newsletter(learns=True)
    arrive(letter, *DEFAULT)
    edition = build_edition(letter, rates=click_rates)
    # River's steady 15% beats Lucky's 20% on three stories; a new source sits in between
    # the good and the poor, at its section's rate.
    assert order(edition) == LEARNED and edition.ordered_by_clicks


def test_without_history_a_newsletter_that_learns_keeps_the_usual_order(app):
    letter = make_newsletter(orders_by_clicks=True)
    arrive(letter, *DEFAULT)
    edition = build_edition(letter, rates=click_rates)
    assert order(edition) == DEFAULT and not edition.ordered_by_clicks


def test_the_editors_pins_and_moves_still_come_first(app):
    letter = newsletter(learns=True)
    arrive(letter, *DEFAULT)
    edition = build_edition(letter, rates=click_rates)
    items = {item.article.source.name: item for item in edition.items}
    set_flags(items["Hill Gazette"], pinned=True)
    move_story(items["Fresh News"], -1)
    db.session.commit()
    expected = ["Hill Gazette", "River Post", "Fresh News", "Lucky Times"]
    assert order(edition) == expected
    river = add_source_row(letter, SourceKind.IMPORT, "import:River Post", "River Post")
    later = "Boatbuilders on the east bank launched a restored paddle steamer on Sunday."
    store_articles(river, [RawArticle(title="Steamer", text=later, categories=["Town"])])
    db.session.commit()  # River's next story: placed by the build, after the editor's
    rebuild_edition(edition, click_rates)
    db.session.commit()
    assert order(edition) == [*expected, "River Post"]


def test_the_scheduler_builds_a_learning_edition_too(app):
    from digest.schedule.jobs import run_now

    letter = newsletter(learns=True)
    letter.send_mode = "review"  # built and held for an editor: nothing is sent
    db.session.commit()
    arrive(letter, *DEFAULT)
    run_now(letter.id)
    edition = db.session.scalars(select(Edition).order_by(Edition.id.desc()).limit(1)).first()
    assert edition is not None and edition.status is EditionStatus.DRAFT
    assert order(edition) == LEARNED and edition.ordered_by_clicks


def test_a_section_the_editor_renamed_keeps_its_clicks_under_the_name_builds_give_it(app):
    letter = newsletter(learns=True)
    sent = db.session.scalars(select(Edition).where(Edition.newsletter_id == letter.id)).one()
    sent.snapshot = {
        **sent.snapshot,
        "sections": [{**sent.snapshot["sections"][0], "name": "Our town"}],
    }
    sent.section_renames = {"Town": "Our town"}
    db.session.commit()
    rates = click_rates(letter, utcnow())
    assert set(rates.sections) == {"Town"}
    assert rates.sections["Town"].clicks == sum(count * each for _, count, each in HISTORY)
    arrive(letter, *DEFAULT)
    assert order(build_edition(letter, rates=click_rates)) == LEARNED
