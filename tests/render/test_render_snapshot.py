from datetime import date

import pytest
from render_samples import make_snapshot

from digest.errors import RenderError
from digest.render import SnapshotError, parse_snapshot


def test_snapshot_is_read_into_frozen_views():
    view = parse_snapshot(make_snapshot(story_count=4, section_count=2))

    assert view.newsletter_title == "The Morning Digest"
    assert view.date == date(2026, 11, 25)
    assert [section.name for section in view.sections] == ["World", "Technology"]
    story = view.sections[0].stories[0]
    assert story.summary[0].startswith("Officials presented")
    assert story.topics == frozenset({"world"})
    assert story.published_at is not None
    with pytest.raises(AttributeError):
        story.title = "changed"


def test_missing_key_names_its_path():
    snapshot = make_snapshot()
    del snapshot["sections"][1]["stories"][0]["source"]

    with pytest.raises(SnapshotError) as caught:
        parse_snapshot(snapshot)

    assert caught.value.path == "snapshot.sections[1].stories[0].source"
    assert isinstance(caught.value, RenderError)


def test_wrong_type_is_refused():
    snapshot = make_snapshot()
    snapshot["edition"]["id"] = "42"

    with pytest.raises(SnapshotError, match=r"snapshot\.edition\.id"):
        parse_snapshot(snapshot)


def test_summary_must_be_a_list_of_strings():
    snapshot = make_snapshot()
    snapshot["sections"][0]["stories"][0]["summary"] = ["fine", 3]

    with pytest.raises(SnapshotError, match="list of strings"):
        parse_snapshot(snapshot)


def test_script_links_are_refused():
    snapshot = make_snapshot()
    snapshot["sections"][0]["stories"][0]["url"] = "javascript:alert(1)"

    with pytest.raises(SnapshotError, match="http"):
        parse_snapshot(snapshot)


def test_bad_date_is_refused():
    snapshot = make_snapshot()
    snapshot["edition"]["date"] = "25/11/2026"

    with pytest.raises(SnapshotError, match="date"):
        parse_snapshot(snapshot)


def test_snapshot_that_is_not_an_object_is_refused():
    with pytest.raises(SnapshotError):
        parse_snapshot(["not", "a", "dict"])


def test_optional_keys_may_be_absent():
    snapshot = make_snapshot(story_count=1, section_count=1)
    del snapshot["newsletter"]["lang"]
    del snapshot["edition"]["intro"]
    story = snapshot["sections"][0]["stories"][0]
    for key in ("summary", "image_url", "image_alt", "also_covered_by", "published_at", "topics"):
        story.pop(key)

    view = parse_snapshot(snapshot)

    assert view.lang == "en"
    assert view.intro is None
    assert view.sections[0].stories[0].summary == ()
