from datetime import UTC, datetime, timedelta

from digest.group import StoryInput, arrange_stories

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def make_items() -> list[StoryInput]:
    story = "Malaysia Airlines flight MH370 still missing as search widens at sea"
    return [
        StoryInput(
            1,
            story,
            "Short teaser.",
            source_name="Reuters",
            published_at=NOW,
            origin="Associated Press",
        ),
        StoryInput(
            2,
            story,
            "The full report of the search. " * 20,
            source_name="AP",
            published_at=NOW - timedelta(hours=1),
        ),
        StoryInput(
            3,
            story,
            "A shorter report.",
            source_name="The Guardian",
            published_at=NOW - timedelta(hours=2),
        ),
        StoryInput(
            4,
            "Local bakery wins national bread award",
            "Bread prize.",
            source_name="Local News",
            published_at=NOW - timedelta(days=2),
        ),
    ]


def all_ids(sections) -> list:
    return [item.id for section in sections for story in section.stories for item in story.items]


def test_no_items_give_no_sections():
    assert arrange_stories([]) == []


def test_every_item_appears_exactly_once():
    ids = all_ids(arrange_stories(make_items()))
    assert sorted(ids) == [1, 2, 3, 4]


def test_representative_is_the_original_not_the_reprint():
    stories = [s for section in arrange_stories(make_items()) for s in section.stories]
    flight = next(story for story in stories if len(story.items) == 3)
    assert flight.representative.id == 2
    assert sorted(flight.also_covered_by) == ["Reuters", "The Guardian"]


def test_bigger_recent_story_ranks_first():
    sections = arrange_stories(make_items(), sections={"World": ["flight", "bakery"]})
    assert sections[0].stories[0].representative.id == 2
    assert sections[0].stories[-1].representative.id == 4


def test_editor_keyword_sections_name_the_sections():
    sections = arrange_stories(make_items(), sections={"Travel": ["flight"], "Food": ["bread"]})
    assert [section.name for section in sections] == ["Travel", "Food"]
