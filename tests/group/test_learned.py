"""Ordering stories by readers' clicks (pure): smoothed rates, a section's order only."""

from __future__ import annotations

from digest.group.layout import SectionOut, StoryInput, StoryOut
from digest.group.learned import Clicked, ClickRates, order_by_clicks

READERS = 100


def rates(**sources: tuple[int, float]) -> ClickRates:
    """History in one section "Town": each source's (stories, raw click rate)."""
    clicked = {
        name: Clicked(round(stories * READERS * rate), stories * READERS)
        for name, (stories, rate) in sources.items()
    }
    town = Clicked(
        sum(c.clicks for c in clicked.values()), sum(c.reached for c in clicked.values())
    )
    return ClickRates(sources=clicked, sections={"Town": town}, readers=READERS)


def section(*sources: str) -> SectionOut:
    stories = [StoryOut(StoryInput(id=n, title=s, source_name=s)) for n, s in enumerate(sources)]
    return SectionOut("Town", stories)


def titles(layout: list[SectionOut]) -> list[str]:
    return [story.representative.title for story in layout[0].stories]


def test_a_source_with_three_lucky_stories_does_not_jump_over_a_steady_one():
    history = rates(River=(12, 0.15), Hill=(12, 0.02), Lucky=(3, 0.20))
    assert history.story_rate("Lucky", "Town") < history.story_rate("River", "Town")
    ordered = order_by_clicks([section("Hill", "Fresh", "Lucky", "River")], history)
    # A source never seen sits at its section's rate: below the good, above the poor.
    assert titles(ordered) == ["River", "Lucky", "Fresh", "Hill"]


def test_enough_stories_earn_a_source_its_own_rate():
    few = rates(River=(12, 0.15), Hill=(12, 0.02), Lucky=(3, 0.20))
    many = rates(River=(12, 0.15), Hill=(12, 0.02), Lucky=(30, 0.20))
    assert few.story_rate("Lucky", "Town") < few.story_rate("River", "Town")
    assert many.story_rate("Lucky", "Town") > many.story_rate("River", "Town")


def test_a_sections_rate_is_the_prior_of_its_sources():
    history = ClickRates(
        sources={},
        sections={"Sport": Clicked(300, 1000), "Arts": Clicked(10, 1000)},
        readers=READERS,
    )
    assert history.story_rate("New", "Sport") > history.story_rate("New", "Arts")
    assert history.story_rate("New", "Unknown") == history.story_rate("Other", "Unknown")


def test_equal_rates_keep_the_layouts_order_and_sections_stay_as_they_were():
    history = ClickRates()
    assert history.is_empty
    layout = [section("Hill", "Fresh"), SectionOut("Sport", [], 2.0)]
    ordered = order_by_clicks(layout, history)
    assert titles(ordered) == ["Hill", "Fresh"]
    assert [(s.name, s.score) for s in ordered] == [("Town", 0.0), ("Sport", 2.0)]
