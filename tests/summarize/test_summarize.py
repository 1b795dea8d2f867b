import json
from pathlib import Path

import pytest

from digest.summarize import split_sentences, summarize

ARTICLE = (
    "The city council approved a new budget for public transport on Monday. "
    "The budget adds forty new buses and extends night services across the city. "
    "Council members debated the plan for more than six hours before the vote. "
    "Critics said the transport budget ignores cycling lanes in the outer districts. "
    "The mayor said the new buses would arrive before the end of the year. "
    "Local weather was mild and sunny throughout the afternoon."
)
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_empty_text_gives_empty_summary():
    assert summarize("") == []


def test_one_sentence_text_is_returned_whole():
    assert summarize("Only one sentence here.") == ["Only one sentence here."]


def test_max_sentences_larger_than_text_returns_every_sentence():
    assert summarize(ARTICLE, max_sentences=50) == split_sentences(ARTICLE)


def test_summary_has_at_most_max_sentences_in_text_order():
    sentences = split_sentences(ARTICLE)
    chosen = summarize(ARTICLE, title="City approves transport budget", max_sentences=3)
    assert len(chosen) == 3
    positions = [sentences.index(sentence) for sentence in chosen]
    assert positions == sorted(positions)


def test_off_topic_sentence_is_left_out():
    chosen = summarize(ARTICLE, title="City approves transport budget", max_sentences=3)
    assert not any("weather" in sentence for sentence in chosen)


def test_zero_sentences_requested_gives_nothing():
    assert summarize(ARTICLE, max_sentences=0) == []


def test_headline_only_text():
    assert summarize("Fed official says weak data caused by weather") == [
        "Fed official says weak data caused by weather"
    ]


@pytest.mark.skipif(not (DATA / "cnndm_frank").exists(), reason="evaluation data absent")
def test_summaries_of_real_articles_stay_within_the_lead_word_budget():
    rows = [json.loads(line) for line in (DATA / "cnndm_frank" / "dev.jsonl").open()][:40]
    ours = sum(len(" ".join(summarize(r["text"])).split()) for r in rows)
    lead = sum(len(" ".join(split_sentences(r["text"])[:3]).split()) for r in rows)
    assert ours <= lead * 1.05
