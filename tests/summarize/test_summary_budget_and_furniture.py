"""Summary length options and what never appears in a summary."""

import pytest

from digest.summarize import DEFAULT_SENTENCES, DEFAULT_WORDS, summarize

ARTICLE = (
    "The city council approved a new budget for public transport on Monday. "
    "The budget adds forty new buses and extends night services across the city. "
    "Council members debated the plan for more than six hours before the vote. "
    "Critics said the transport budget ignores cycling lanes in the outer districts. "
    "The mayor said the new buses would arrive before the end of the year."
)


def words(summary: list[str]) -> int:
    return sum(len(sentence.split()) for sentence in summary)


def test_the_editor_default_is_two_sentences_of_at_most_55_words():
    assert (DEFAULT_SENTENCES, DEFAULT_WORDS) == (2, 55)
    summary = summarize(ARTICLE, max_sentences=DEFAULT_SENTENCES, max_words=DEFAULT_WORDS)
    assert 1 <= len(summary) <= 2
    assert words(summary) <= 55


@pytest.mark.parametrize("count", [1, 2, 3])
def test_one_to_three_sentences_can_be_asked_for(count: int):
    assert len(summarize(ARTICLE, "City approves transport budget", count)) == count


def test_a_word_budget_keeps_whole_sentences_that_fit():
    summary = summarize(ARTICLE, max_sentences=3, max_words=25)
    assert words(summary) <= 25
    assert all(sentence in ARTICLE for sentence in summary)


def test_a_first_sentence_over_the_budget_is_cut_with_an_ellipsis():
    long_sentence = "The council " + "and the mayor " * 30 + "agreed on the budget."
    summary = summarize(long_sentence, max_words=12)
    assert len(summary) == 1
    assert summary[0].endswith("\u2026")
    assert len(summary[0].split()) == 12


@pytest.mark.parametrize(
    "opening",
    [
        "LONDON (Reuters) - ",
        "WASHINGTON (AP) \u2014 ",
        "(CNN)",
        "New Delhi, India (CNN)",
        "By . Jane Doe . PUBLISHED: . 10:01 EST, 3 May 2015 . | . ",
    ],
)
def test_datelines_and_bylines_are_stripped_from_the_summary(opening: str):
    summary = summarize(opening + ARTICLE, max_sentences=3)
    assert summary[0] == "The city council approved a new budget for public transport on Monday."


@pytest.mark.parametrize(
    "furniture",
    [
        "Share this article.",
        "Follow us on Twitter and Facebook.",
        "Photo: Jane Doe for the Daily Planet.",
        "(Photo by John Smith/Getty Images)",
        "By Jane Doe and John Smith, Reuters",
        "Click here to read more.",
        "Scroll down for video.",
    ],
)
def test_credits_and_share_prompts_never_appear(furniture: str):
    text = f"{furniture}\n{ARTICLE}\n{furniture}"
    summary = summarize(text, "City approves transport budget", max_sentences=3)
    assert furniture not in summary
    assert len(summary) == 3


def test_news_sentences_that_start_like_furniture_are_kept():
    text = "Shares in the bus maker rose 4% on Monday. Follow-up talks are planned for May."
    assert summarize(text, max_sentences=3) == [
        "Shares in the bus maker rose 4% on Monday.",
        "Follow-up talks are planned for May.",
    ]
