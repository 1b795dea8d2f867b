"""A topic picks a story by its section, its feed categories, or its name and keywords in the
headline or summary: whole words, any case, simple plurals."""

from __future__ import annotations

import pytest

from digest.render import EditionView, SectionView, StoryView, select_topics
from digest.render.topics import topic_rule, topics_without_stories


def story(title: str, summary: str = "", topics: tuple[str, ...] = (), **fields) -> StoryView:
    return StoryView(
        title=title, url=None, source="Wire", summary=(summary,), topics=frozenset(topics), **fields
    )


def edition(*sections: tuple[str, list[StoryView]], keywords=()) -> EditionView:
    from datetime import date

    return EditionView(
        newsletter_slug="city",
        newsletter_title="City Digest",
        edition_id=1,
        subject="City Digest",
        date=date(2026, 11, 2),
        archive_url="https://digest.test/archive/city/1",
        sections=tuple(SectionView(name, tuple(stories)) for name, stories in sections),
        topic_keywords=keywords,
    )


@pytest.mark.parametrize(
    "topic, title",
    [
        ("Ferries", "Night ferry cancelled"),
        ("Ferry", "Ferries run until midnight"),
        ("Bus", "Night buses start on Friday"),
        ("weather", "WEATHER warning for the coast"),
        ("Elections", "The election is on Sunday"),
        ("Boxes", "A box of old maps"),
        ("Night bus", "The night buses are late"),
        ("Rovers", "Rovers' cup run goes on"),
    ],
)
def test_a_topic_finds_its_name_in_any_case_and_simple_plural(topic, title):
    assert topic_rule(topic).picks("Other", story(title))


@pytest.mark.parametrize(
    "topic, title",
    [
        ("Art", "The party in the park and an article on parking"),
        ("News", "A new bridge opens"),
        ("Ferries", "Ferrymen strike"),
        ("Bus", "Business rates rise"),
        ("Night bus", "Night falls; the bus is late"),
    ],
)
def test_a_topic_matches_whole_words_only(topic, title):
    assert not topic_rule(topic).picks("Other", story(title))


def test_a_topic_picks_its_section_its_category_and_its_keywords_in_the_summary():
    assert topic_rule("ferries").picks("Ferries", story("Timetable changes"))
    assert topic_rule("Sea Travel").picks("Other", story("Timetable", topics=("sea_travel",)))
    assert topic_rule("Ferries", ("crossing",)).picks("Other", story("Late", "Crossings halted."))


def test_a_reader_gets_the_stories_her_topic_picks_and_the_pinned_ones():
    view = edition(
        ("Transport", [story("Ferry timetable extended"), story("Tram line approved")]),
        ("Town", [story("Market moves", is_pinned=True), story("Library opens late")]),
    )
    chosen = select_topics(view, frozenset({"Ferries"}))
    titles = [s.title for section in chosen.sections for s in section.stories]
    assert titles == ["Ferry timetable extended", "Market moves"]
    assert chosen.topic_notice is None


def test_the_keywords_frozen_with_the_edition_count_for_the_topic_of_that_name():
    view = edition(
        ("Transport", [story("Harbour boats return"), story("Tram line approved")]),
        keywords=(("ferries", ("harbour boat",)),),
    )
    chosen = select_topics(view, frozenset({"Ferries"}))
    assert [s.title for s in chosen.sections[0].stories] == ["Harbour boats return"]


def test_topics_that_pick_nothing_give_the_whole_edition_with_a_notice():
    view = edition(("Transport", [story("Tram line approved", is_pinned=True)]))
    chosen = select_topics(view, frozenset({"Weather", "Ferries"}))
    assert chosen.sections == view.sections
    assert (
        chosen.topic_notice
        == "Nothing on Ferries, Weather this time, so here is the whole edition."
    )


def test_the_topics_without_stories_are_those_no_edition_had():
    views = [
        edition(("Transport", [story("Ferry timetable extended")])),
        edition(("Sport", [story("Derby ends level")])),
    ]
    found = topics_without_stories(views, ["Ferries", "Weather", "Sport"], {"Weather": ["storm"]})
    assert found == ["Weather"]


def test_the_notice_opens_both_parts_of_the_mail_with_a_link_to_change_topics():
    from digest.render import Recipient, compile_for_topics, personalise

    view = edition(("Transport", [story("Tram line approved")]))
    reader = Recipient(
        email="ann@example.org",
        unsubscribe_url="https://digest.test/unsubscribe/t",
        preferences_url="https://digest.test/preferences/t",
    )
    message = personalise(compile_for_topics(view, frozenset({"Weather"})), reader)
    notice = "Nothing on Weather this time, so here is the whole edition."
    assert notice in message.html and notice in message.text
    assert (
        '<a href="https://digest.test/preferences/t" style="color:#0b5cad;">Change' in message.html
    )
    assert message.text.index(notice) < message.text.index("Tram line approved")
