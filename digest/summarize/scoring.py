"""News-tuned extractive selection: lead bias, centrality, headline overlap, length control.

A summary is made in two steps: `analyse` reads an article once (its sentences, their
centrality, headline overlap, lengths, and how alike they are), then `pick` chooses sentences
for a budget with given weights. The weights were chosen by 5-fold cross-validation over
CNN/DM and BBC News, separately for each budget (bench/summaries.py caches one analysis per
article and tries every setting on it; README, "Measured", has the held-out figures). Every
choice takes the lead of articles longer than 25 sentences (long reported news is an
inverted pyramid whose lead is its summary), and most give the lead sentences a margin that
another sentence must beat: weak evidence leaves the lead alone.
`SummarySettings(lead_only=True)` takes the lead of every article, without furniture.
"""

from dataclasses import dataclass

import numpy as np

from digest.summarize.furniture import strip_furniture
from digest.summarize.readable import leans_back, repeats_headline
from digest.summarize.sentences import split_sentences
from digest.summarize.vectors import cosine_matrix, tfidf_matrix

DEFAULT_SENTENCES = 2  # the editor's default summary: two sentences...
DEFAULT_WORDS = 55  # ...of at most this many words
MIN_WORDS = 5  # shorter sentences (datelines, captions, "Read more.") are never chosen
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class SummarySettings:
    """Weights of the sentence score; settings_for() gives the cross-validated choice."""

    lead_weight: float = 0.75  # weight of the position prior exp(-position / lead_decay)
    lead_decay: float = 12.0  # sentences
    title_weight: float = 0.0  # weight of the headline overlap
    redundancy_weight: float = 1.5  # penalty per unit of cosine with a chosen sentence
    length_exponent: float = 0.25  # sentences longer than the median are damped by this power
    keep_first: bool = False  # always open with the first sentence (the news lead)
    fill_budget: bool = False  # pass over a sentence that overflows the word budget for the
    # next one that fits (more words); otherwise it uses up its place in the summary
    lead_only: bool = False  # take the opening sentences as they come (the lead)
    # Articles of more sentences than this are news told as an inverted pyramid: their lead
    # is their summary (None: never).
    lead_after: int | None = None
    # What a sentence past the lead must score above the lead sentence it would displace: the
    # first `max_sentences` sentences get this bonus, so weak evidence leaves the lead alone.
    lead_margin: float = 0.0


DEFAULT_SETTINGS = SummarySettings()
# The cross-validated choice per budget (bench/summaries.py): 1, 2 and 3 sentences, and a word
# budget (the editor's default: 2 sentences, at most 55 words); more sentences use the choice
# for 3.
CHOSEN: dict[int | str, SummarySettings] = {
    1: SummarySettings(lead_weight=1.0, lead_decay=12.0, lead_after=25),
    2: SummarySettings(lead_weight=1.0, lead_decay=24.0, lead_margin=0.1),
    3: SummarySettings(lead_weight=1.0, lead_decay=24.0),
    "words": SummarySettings(lead_weight=1.0, length_exponent=0.0, lead_margin=0.1),
}


def settings_for(max_sentences: int, max_words: int | None) -> SummarySettings:
    """The cross-validated settings for a budget."""
    return CHOSEN["words" if max_words is not None else min(max(max_sentences, 1), 3)]


@dataclass(frozen=True)
class Analysis:
    """What `pick` needs to know about an article, whatever the budget or weights."""

    sentences: list[str]
    centrality: np.ndarray  # scaled to a maximum of 1
    title_overlap: np.ndarray  # scaled to a maximum of 1
    lengths: np.ndarray  # words per sentence
    long: np.ndarray  # words per sentence over the article's median, at least 1
    similarity: np.ndarray  # sentence-by-sentence cosine
    leans: np.ndarray  # opens with words that need the sentence before it (never the first)


def summarize(
    text: str,
    title: str | None = None,
    max_sentences: int = 3,
    *,
    max_words: int | None = None,
    settings: SummarySettings | None = None,
) -> list[str]:
    """Up to `max_sentences` sentences of `text` that best summarise it, in text order.

    With `max_words`, the summary stays within that many words; a best sentence longer than
    the budget is cut at a word and ends with "…". Datelines, bylines, credits and share
    prompts never appear.
    """
    sentences = summary_candidates(text, title)
    settings = settings or settings_for(max_sentences, max_words)
    known = _unscored(sentences, max_sentences, max_words, settings)  # no analysis needed
    if known is not None:
        return known
    return _greedy(analyse(sentences, title), max_sentences, max_words, settings)


def summary_candidates(text: str, title: str | None = None) -> list[str]:
    """The text's sentences without furniture (datelines, bylines, credits, share prompts,
    sign-up lines) and without the headline repeated."""
    cleaned = (strip_furniture(sentence) for sentence in split_sentences(text or ""))
    return [s for s in cleaned if s and not repeats_headline(s, title)]


def analyse(sentences: list[str], title: str | None) -> Analysis:
    """Centrality, headline overlap, lengths and similarity of an article's sentences."""
    if not sentences:
        empty = np.zeros(0)
        return Analysis([], empty, empty, empty, empty, np.zeros((0, 0)), empty.astype(bool))
    vectors = tfidf_matrix([*sentences, title or ""])
    similarity = cosine_matrix(vectors)
    title_overlap = similarity[:-1, -1]
    similarity = similarity[:-1, :-1]
    centrality = similarity.sum(axis=1) - similarity.diagonal()
    lengths = np.array([sentence.count(" ") + 1 for sentence in sentences], dtype=float)
    long = np.maximum(lengths / np.median(lengths), 1.0)
    leans = np.array([index > 0 and leans_back(s) for index, s in enumerate(sentences)])
    return Analysis(
        sentences, _scaled(centrality), _scaled(title_overlap), lengths, long, similarity, leans
    )


def scores_of(analysis: Analysis, settings: SummarySettings, lead: int = 0) -> np.ndarray:
    """A score per sentence, the first `lead` with the lead margin; -inf for sentences too
    short to be chosen."""
    position = np.arange(len(analysis.sentences))
    scores = (
        analysis.centrality
        + settings.title_weight * analysis.title_overlap
        + settings.lead_weight * np.exp(-position / settings.lead_decay)
    )
    scores = scores / analysis.long**settings.length_exponent
    scores[:lead] += settings.lead_margin
    if settings.keep_first:
        scores[0] = np.inf
    return np.where(analysis.lengths < MIN_WORDS, -np.inf, scores)


def pick(
    analysis: Analysis,
    max_sentences: int,
    max_words: int | None = None,
    settings: SummarySettings | None = None,
) -> list[str]:
    """The summary of an analysed article for a budget, in text order (see summarize)."""
    settings = settings or settings_for(max_sentences, max_words)
    known = _unscored(analysis.sentences, max_sentences, max_words, settings)
    return _greedy(analysis, max_sentences, max_words, settings) if known is None else known


def _unscored(
    sentences: list[str], max_sentences: int, max_words: int | None, settings: SummarySettings
) -> list[str] | None:
    """The summary when no scoring is needed (nothing asked, all of it, or the lead)."""
    if max_sentences <= 0 or not sentences or (max_words is not None and max_words <= 0):
        return []
    if len(sentences) <= max_sentences and max_words is None:
        return sentences
    if takes_the_lead(len(sentences), settings):
        return fit_to_budget(sentences[:max_sentences], max_words)
    return None


def takes_the_lead(sentences: int, settings: SummarySettings) -> bool:
    """Whether an article of this many sentences is summarised by its lead."""
    return settings.lead_only or (
        settings.lead_after is not None and sentences > settings.lead_after
    )


def _greedy(
    analysis: Analysis, max_sentences: int, max_words: int | None, settings: SummarySettings
) -> list[str]:
    """Picks in rank order, each penalised by its similarity to those already picked, while
    they fit the word budget (see SummarySettings.fill_budget). A sentence that leans on the
    one before it is picked only after that one."""
    scores = scores_of(analysis, settings, max_sentences)
    available = ~np.isneginf(scores)
    if not available.any():  # every sentence is a fragment: the first one, as it is
        available[0] = True
    standalone = available & ~analysis.leans
    top = int(np.argmax(np.where(standalone if standalone.any() else available, scores, -np.inf)))
    chosen: list[int] = []
    room = np.inf if max_words is None else float(max_words)
    for _ in range(min(max_sentences, int(available.sum()))):
        candidates = available & _readable_next(analysis.leans, chosen)
        if settings.fill_budget:
            candidates &= analysis.lengths <= room
        if not candidates.any():
            break
        penalty = analysis.similarity[:, chosen].max(axis=1) if chosen else 0.0
        adjusted = np.where(candidates, scores - settings.redundancy_weight * penalty, -np.inf)
        best = int(np.argmax(adjusted))
        available[best] = False
        if analysis.lengths[best] <= room:
            chosen.append(best)
            room -= analysis.lengths[best]
    if not chosen:  # the best sentence alone is over the budget: cut it at a word
        return fit_to_budget([analysis.sentences[top]], max_words)
    return [analysis.sentences[i] for i in sorted(chosen)]


def _readable_next(leans: np.ndarray, chosen: list[int]) -> np.ndarray:
    """Sentences that may join the summary: any that stands alone, and one that leans back
    when the sentence before it is already in."""
    readable = ~leans
    follows = [i + 1 for i in chosen if i + 1 < len(leans)]
    readable[follows] = True
    return readable


def fit_to_budget(ranked: list[str], max_words: int | None) -> list[str]:
    """The leading sentences of `ranked` that fit `max_words` (all without a budget), in
    their order; a first sentence over the budget is cut at a word and ends with "…"."""
    kept, used = [], 0
    for sentence in ranked:
        words = sentence.count(" ") + 1
        if max_words is None or used + words <= max_words:
            kept.append(sentence)
            used += words
    if not kept and ranked:
        cut = " ".join(ranked[0].split()[:max_words]).rstrip(",;:-\u2013\u2014")
        kept = [cut + ELLIPSIS]
    return kept


def _scaled(values: np.ndarray) -> np.ndarray:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else values
