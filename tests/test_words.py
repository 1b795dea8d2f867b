"""Counts in messages: one story, two stories."""

from __future__ import annotations

import pytest

from digest.words import counted


@pytest.mark.parametrize(
    ("count", "noun", "said"),
    [
        (1, "article", "1 article"),
        (0, "article", "0 articles"),
        (1, "story", "1 story"),
        (3, "new story", "3 new stories"),
        (2, "day", "2 days"),
        (2, "box", "2 boxes"),
        (2, "returned mail", "2 returned mails"),
    ],
)
def test_a_count_takes_its_noun_in_the_right_number(count, noun, said):
    assert counted(count, noun) == said


def test_an_irregular_plural_is_given():
    assert counted(2, "person", "people") == "2 people"
    assert counted(1, "person", "people") == "1 person"
