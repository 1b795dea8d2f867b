import re

import mjml
import pytest
from render_samples import make_snapshot

from digest.render import (
    FIELD_BYTE_LIMITS,
    EditionTooLarge,
    Recipient,
    compile_edition,
    compile_for_topics,
    parse_snapshot,
    personalise,
)

GMAIL_CLIP_BYTES = 102 * 1024


@pytest.fixture(scope="module")
def big_edition():
    return compile_edition(parse_snapshot(make_snapshot(story_count=60, section_count=6)))


@pytest.fixture(scope="module")
def small_edition():
    return compile_edition(parse_snapshot(make_snapshot(story_count=6, section_count=3)))


def longest_recipient() -> Recipient:
    """A recipient whose every field escapes to (about) its byte limit."""
    url = "https://digest.example.org/u/" + "&" * ((FIELD_BYTE_LIMITS["unsubscribe_url"] - 30) // 5)
    return Recipient(
        email="'" * 60 + "@example.org",
        unsubscribe_url=url,
        preferences_url=url,
        view_url=url,
        name='"' * 500,
    )


def titles_in(document: str, count: int) -> set[int]:
    return {n for n in range(count) if f"Story {n}: " in document}


def test_sixty_stories_stay_under_gmail_clipping(big_edition):
    message = personalise(big_edition, longest_recipient())

    assert len(message.html.encode()) < GMAIL_CLIP_BYTES
    assert len(message.html.encode()) <= 100_000
    assert big_edition.worst_case_html_bytes <= 100_000


def test_dropped_stories_get_a_more_on_the_web_link(big_edition):
    assert big_edition.dropped_story_count > 0
    assert big_edition.shown_story_count + big_edition.dropped_story_count == 60
    more = f"{big_edition.dropped_story_count} more stories"
    assert re.search(
        r'More on the web: <a href="https://digest\.example\.org/archive/morning/42"'
        rf"[^>]*>{more}</a>",
        big_edition.html,
    )
    assert f"More on the web: {more}" in big_edition.text


def test_text_part_lists_the_same_stories_as_the_html(big_edition):
    shown = titles_in(big_edition.html, 60)

    assert len(shown) == big_edition.shown_story_count
    assert titles_in(big_edition.text, 60) == shown


def test_lead_stories_of_every_section_survive_trimming(big_edition):
    assert set(range(6)) <= titles_in(big_edition.html, 60)


def test_small_edition_keeps_everything_without_a_more_link(small_edition):
    assert small_edition.dropped_story_count == 0
    assert "More on the web" not in small_edition.html
    assert "More on the web" not in small_edition.text


def test_html_declares_language_dark_mode_and_image_alt_text(small_edition):
    html = small_edition.html

    assert '<html lang="en"' in html
    assert "@media (prefers-color-scheme: dark)" in html
    assert '<meta name="color-scheme" content="light dark"' in html
    assert 'alt="Photo for story 0"' in html


def test_html_has_no_script_and_no_web_fonts(big_edition):
    assert "<script" not in big_edition.html
    assert "fonts.googleapis" not in big_edition.html
    assert "@import" not in big_edition.html


def test_markup_in_titles_is_escaped_exactly_once():
    snapshot = make_snapshot(story_count=1, section_count=1)
    snapshot["sections"][0]["stories"][0]["title"] = "<b>Bread</b> & Butter"

    compiled = compile_edition(parse_snapshot(snapshot))

    assert "&lt;b&gt;Bread&lt;/b&gt; &amp; Butter" in compiled.html
    assert "<b>Bread" not in compiled.html
    assert "&amp;amp;" not in compiled.html and "&amp;lt;" not in compiled.html
    assert "<b>Bread</b> & Butter" in compiled.text


def test_mjml_runs_once_per_compile_even_when_trimming(monkeypatch):
    calls = []
    real = mjml.mjml2html

    def counting(source, **options):
        calls.append(source)
        return real(source, **options)

    monkeypatch.setattr(mjml, "mjml2html", counting)
    compiled = compile_edition(parse_snapshot(make_snapshot(story_count=60, section_count=6)))

    assert compiled.dropped_story_count > 0
    assert len(calls) == 1


def test_empty_sections_are_left_out():
    snapshot = make_snapshot(story_count=2, section_count=2)
    snapshot["sections"].append({"name": "Sport", "stories": []})
    snapshot["sections"].append({"name": "Weather"})

    compiled = compile_edition(parse_snapshot(snapshot))

    assert "Sport" not in compiled.html and "SPORT" not in compiled.text
    assert "Weather" not in compiled.html


def test_edition_without_stories_says_so():
    snapshot = make_snapshot(story_count=0, section_count=1)

    compiled = compile_edition(parse_snapshot(snapshot))

    assert "Nothing new this time" in compiled.html
    assert "Nothing new this time" in compiled.text
    assert compiled.shown_story_count == 0


def test_edition_too_large_even_without_stories_is_refused():
    with pytest.raises(EditionTooLarge):
        compile_edition(parse_snapshot(make_snapshot()), max_html_bytes=5_000)


def test_topic_variant_keeps_only_matching_stories():
    view = parse_snapshot(make_snapshot(story_count=6, section_count=3))

    science = compile_for_topics(view, frozenset({"Science"}))
    everything = compile_for_topics(view, None)

    assert titles_in(science.html, 6) == {2, 5}
    assert titles_in(science.text, 6) == {2, 5}
    assert "Technology" not in science.html
    assert titles_in(everything.html, 6) == set(range(6))


@pytest.mark.parametrize("budget", [30_000, 55_000, 80_000])
def test_longest_personal_fields_never_push_html_past_the_budget(budget):
    view = parse_snapshot(make_snapshot(story_count=60, section_count=6))

    compiled = compile_edition(view, max_html_bytes=budget)
    html = personalise(compiled, longest_recipient()).html

    assert len(html.encode()) <= budget
    assert budget - len(html.encode()) < 6_000  # trims only what it must
