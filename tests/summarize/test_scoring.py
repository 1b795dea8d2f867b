"""The scorer's choices: the lead for long news, budgets filled or not, per-budget settings."""

from dataclasses import replace

import numpy as np

from digest.summarize import DEFAULT_SENTENCES, DEFAULT_WORDS, summarize
from digest.summarize.scoring import (
    CHOSEN,
    Analysis,
    SummarySettings,
    analyse,
    pick,
    settings_for,
    summary_candidates,
)

BUDGET = [
    "The council approved the transport budget on Monday.",
    "Residents asked about parking permits and bin collections.",
    "The transport budget adds forty buses, extends night services on every route in the "
    "city, funds new shelters, pays for three depots and hires drivers.",
    "The budget passed by twelve votes to nine.",
]
NO_LEAD = SummarySettings(lead_weight=0.0, length_exponent=0.0, redundancy_weight=0.0)


def made(sentences: list[str], centrality: list[float]) -> Analysis:
    """An analysis with chosen centralities and no similarity between sentences."""
    lengths = np.array([s.count(" ") + 1 for s in sentences], dtype=float)
    n = len(sentences)
    leans = np.zeros(n, dtype=bool)
    return Analysis(
        sentences, np.array(centrality), np.zeros(n), lengths, np.ones(n), np.eye(n), leans
    )


def test_long_articles_are_summarised_by_their_lead_when_settings_say_so():
    analysis = made(BUDGET, [0.1, 0.2, 0.9, 1.0])
    assert pick(analysis, 2, None, NO_LEAD) == BUDGET[2:]  # the two most central
    longer_than_3 = replace(NO_LEAD, lead_after=3)
    assert pick(analysis, 2, None, longer_than_3) == BUDGET[:2]  # 4 sentences: the lead
    assert pick(analysis, 2, None, replace(NO_LEAD, lead_after=4)) == BUDGET[2:]


def test_a_word_budget_can_be_filled_with_the_next_sentence_that_fits():
    analysis = made(BUDGET, [1.0, 0.1, 0.9, 0.5])  # the 2nd best is 25 words long
    assert pick(analysis, 2, 30, NO_LEAD) == [BUDGET[0]]  # it used up its place
    assert pick(analysis, 2, 30, replace(NO_LEAD, fill_budget=True)) == [BUDGET[0], BUDGET[3]]
    assert pick(analysis, 2, None, NO_LEAD) == [BUDGET[0], BUDGET[2]]


def test_a_best_sentence_over_the_budget_is_cut_at_a_word():
    analysis = made(BUDGET, [0.1, 0.1, 1.0, 0.1])
    assert pick(analysis, 1, 5, NO_LEAD) == ["The transport budget adds forty\u2026"]


def test_summarize_is_pick_over_one_analysis():
    text, title = " ".join(BUDGET * 3), "Council approves transport budget"
    analysis = analyse(summary_candidates(text, title), title)
    for budget in ((3, None), (DEFAULT_SENTENCES, DEFAULT_WORDS), (1, 12)):
        assert summarize(text, title, budget[0], max_words=budget[1]) == pick(analysis, *budget)


def test_each_budget_has_its_cross_validated_settings():
    assert settings_for(3, None) is CHOSEN[3]
    assert settings_for(DEFAULT_SENTENCES, DEFAULT_WORDS) is CHOSEN["words"]
    assert settings_for(1, None) is CHOSEN[1]
    assert settings_for(5, None) is CHOSEN[3]


def test_weak_evidence_against_the_lead_leaves_the_lead():
    analysis = made(BUDGET, [0.5, 0.4, 0.6, 0.55])
    assert pick(analysis, 2, None, NO_LEAD) == [BUDGET[2], BUDGET[3]]
    margin = replace(NO_LEAD, lead_margin=0.2)  # 0.6 and 0.55 do not beat 0.5 + 0.2
    assert pick(analysis, 2, None, margin) == BUDGET[:2]
    strong = made(BUDGET, [0.1, 0.2, 0.9, 1.0])  # 0.9 and 1.0 do
    assert pick(strong, 2, None, margin) == BUDGET[2:]
