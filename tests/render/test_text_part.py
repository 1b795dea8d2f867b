"""The plain-text part, as a plain-text mail client shows it: one blank line between blocks."""

from __future__ import annotations

import pytest

from digest.render import Recipient, WebReader, compile_edition, parse_snapshot, personalise

READER = Recipient(
    email="ann@example.org",
    name="Ann",
    unsubscribe_url="https://digest.example.org/unsubscribe/t",
    preferences_url="https://digest.example.org/preferences/t",
)


def snapshot(intro: str | None = "Good morning.\n\nA busy week.", **edition) -> dict:
    story = {"summary": ["One sentence."], "source": "Gazette"}
    return {
        "newsletter": {"slug": "city", "title": "City", "postal_address": "1 High St\nTown"},
        "edition": {
            "id": 7,
            "subject": "City news",
            "intro": intro,
            "date": "2026-11-25",
            "archive_url": "https://digest.example.org/archive/city/7",
            **edition,
        },
        "sections": [
            {
                "name": "Transport",
                "stories": [
                    story | {"title": "Tram line", "url": "https://news.example/tram"},
                    story | {"title": "Bus fares", "reading_minutes": 2},
                ],
            },
            {"name": "Sport", "stories": [story | {"title": "Derby day"}]},
        ],
    }


def text_of(snap: dict, web: WebReader | None = None) -> str:
    compiled = compile_edition(parse_snapshot(snap), web=web)
    return compiled.text if web else personalise(compiled, READER).text


def test_the_text_part_has_one_blank_line_between_every_block():
    assert text_of(snapshot()) == (
        "City - Wednesday 25 November 2026\n"
        "View in your browser: https://digest.example.org/archive/city/7\n"
        "\n"
        "Hi Ann,\n"
        "\n"
        "Good morning.\n"
        "\n"
        "A busy week.\n"
        "\n"
        "TRANSPORT\n"
        "=========\n"
        "\n"
        "* Tram line\n"
        "  One sentence.\n"
        "  Gazette\n"
        "  Read more: https://news.example/tram\n"
        "\n"
        "* Bus fares\n"
        "  One sentence.\n"
        "  Gazette - 2 min read\n"
        "\n"
        "SPORT\n"
        "=====\n"
        "\n"
        "* Derby day\n"
        "  One sentence.\n"
        "  Gazette\n"
        "\n"
        "-- \n"
        "You are receiving City because ann@example.org subscribed to it.\n"
        "Unsubscribe: https://digest.example.org/unsubscribe/t\n"
        "Update your preferences: https://digest.example.org/preferences/t\n"
        "\n"
        "1 High St\n"
        "Town\n"
    )


def test_the_web_archive_text_starts_its_intro_after_one_blank_line():
    text = text_of(snapshot(intro=None), WebReader("https://digest.example.org/subscribe/city"))
    assert text.startswith(
        "City - Wednesday 25 November 2026\n"
        "\n"
        "Here are the stories worth your time since the last edition.\n"
        "\n"
        "TRANSPORT\n"
    )
    assert "  Gazette\n\n-- \nYou are reading the web archive of City.\n" in text


@pytest.mark.parametrize(
    ("is_first", "intro"),
    [
        (True, "Here are the stories worth your time in this first edition."),
        (False, "Here are the stories worth your time since the last edition."),
    ],
)
def test_the_default_intro_is_true_of_a_first_edition(is_first, intro):
    compiled = compile_edition(parse_snapshot(snapshot(intro=None, is_first=is_first)))
    assert f"\n\n{intro}\n\n" in personalise(compiled, READER).text
    assert f'<p style="margin:0;">{intro}</p>' in compiled.html
    if is_first:
        assert "last edition" not in compiled.html + personalise(compiled, READER).text
