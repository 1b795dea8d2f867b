"""The editor's changes to a draft, and what readers then get (the snapshot)."""

from __future__ import annotations

import pytest
from flask import current_app

from digest.edition import lifecycle, overrides
from digest.edition.snapshot import make_snapshot
from digest.errors import InvalidInput, InvalidTransition
from digest.extensions import db
from digest.models import EditionStatus
from tests.support.factories import make_edition, make_newsletter, settings_of


def stories(edition) -> list[tuple[str, list[str]]]:
    snapshot = make_snapshot(edition, settings_of(current_app).edition)
    return [(s["name"], [story["title"] for story in s["stories"]]) for s in snapshot["sections"]]


def test_moving_a_story_down_swaps_it_with_the_next(app):
    edition = make_edition(make_newsletter(), items=[{"title": t} for t in "ABC"])
    overrides.move_story(edition.items[0], +1)
    assert stories(edition) == [("News", ["B", "A", "C"])]
    overrides.move_story(edition.items[2], -2)
    assert stories(edition) == [("News", ["C", "B", "A"])]


def test_up_under_a_pinned_story_moves_nothing_and_says_why(app):
    edition = make_edition(make_newsletter(), items=[{"title": t} for t in "ABC"])
    a, b, c = edition.items
    overrides.set_flags(a, pinned=True)
    positions = [item.position for item in edition.items]
    assert overrides.move_story(b, -1) is overrides.Stuck.UNDER_PINNED
    assert overrides.move_story(a, +1) is overrides.Stuck.OVER_UNPINNED
    assert overrides.move_story(a, -1) is overrides.Stuck.FIRST
    assert overrides.move_story(c, +1) is overrides.Stuck.LAST
    assert [item.position for item in edition.items] == positions
    assert stories(edition) == [("News", ["A", "B", "C"])]
    assert overrides.move_story(c, -5) is None  # as far as it can go: under the pinned story
    assert stories(edition) == [("News", ["A", "C", "B"])]


def test_a_drag_and_drop_order_must_name_every_story_once(app):
    edition = make_edition(make_newsletter(), items=[{"title": t} for t in "ABC"])
    a, b, c = (item.id for item in edition.items)
    overrides.order_section(edition, "News", [c, a, b])
    assert stories(edition) == [("News", ["C", "A", "B"])]
    with pytest.raises(InvalidInput):
        overrides.order_section(edition, "News", [c, a])


def test_a_story_moves_to_another_or_a_new_section(app):
    edition = make_edition(
        make_newsletter(),
        items=[{"title": "A"}, {"title": "B", "section": "Sport"}, {"title": "C"}],
    )
    overrides.move_to_section(edition.items[2], "Sport")
    overrides.move_to_section(edition.items[0], "  Weather  ")
    assert stories(edition) == [("Sport", ["B", "C"]), ("Weather", ["A"])]


def test_renaming_a_section_renames_it_for_readers(app):
    edition = make_edition(make_newsletter(), items=2)
    overrides.rename_section(edition, "News", "Around town")
    assert [name for name, _ in stories(edition)] == ["Around town"]
    assert edition.section_renames == {"News": "Around town"}
    overrides.rename_section(edition, "Around town", "Town")
    assert edition.section_renames == {"News": "Town"}
    with pytest.raises(InvalidInput):
        overrides.rename_section(edition, "Town", "   ")


def test_an_edited_story_is_sent_as_edited_and_can_be_restored(app):
    edition = make_edition(make_newsletter(), items=[{"title": "Original", "summary": ["Built."]}])
    item = edition.items[0]
    overrides.edit_story(item, "Sharper headline", "My own summary.")
    story = make_snapshot(edition, settings_of(current_app).edition)["sections"][0]["stories"][0]
    assert (story["title"], story["summary"]) == ("Sharper headline", ["My own summary."])
    overrides.restore_story(item)
    story = make_snapshot(edition, settings_of(current_app).edition)["sections"][0]["stories"][0]
    assert (story["title"], story["summary"]) == ("Original", ["Built."])


def test_pinned_stories_lead_and_excluded_ones_are_not_sent(app):
    edition = make_edition(make_newsletter(), items=[{"title": t} for t in "ABC"])
    overrides.set_flags(edition.items[2], pinned=True)
    overrides.set_flags(edition.items[0], excluded=True)
    assert stories(edition) == [("News", ["C", "B"])]


def test_texts_are_checked_and_a_blank_subject_is_kept(app):
    edition = make_edition(make_newsletter(), items=1)
    overrides.set_texts(edition, "  ", "Three stories today", "Hello.\n\nSee https://x.org")
    assert edition.subject == "City Digest: news" and edition.preheader == "Three stories today"
    with pytest.raises(InvalidInput):
        overrides.set_texts(edition, "x" * 301, None, None)


def test_only_a_draft_can_be_shaped(app):
    edition = make_edition(make_newsletter(), items=2)
    lifecycle.approve(edition)
    db.session.commit()
    assert edition.status is EditionStatus.APPROVED
    with pytest.raises(InvalidTransition):
        overrides.move_story(edition.items[0], 1)
    with pytest.raises(InvalidTransition):
        overrides.edit_story(edition.items[0], "New", None)


def test_images_follow_the_newsletters_switch_and_link_nowhere_without_a_page(app):
    newsletter = make_newsletter()
    edition = make_edition(
        newsletter,
        items=[
            {"title": "Pictured", "image_url": "https://img.example/a.jpg"},
            {"title": "Imported file", "canonical_url": "urn:digest:file-1"},
        ],
    )
    first, second = make_snapshot(edition, settings_of(current_app).edition)["sections"][0][
        "stories"
    ]
    assert first["image_url"] == "https://img.example/a.jpg" and first["image_alt"] == "Pictured"
    assert first["reading_minutes"] == 1 and second["url"] is None
    newsletter.show_images = False
    first = make_snapshot(edition, settings_of(current_app).edition)["sections"][0]["stories"][0]
    assert first["image_url"] is None
