"""Summaries: k-fold choice of the scoring weights, held-out ROUGE against Lead-3 and LexRank.

Each article is analysed once (digest.summarize.scoring.analyse); every candidate setting
then picks its sentences from that analysis, for each budget: 3 sentences, and the editor's
default (2 sentences, at most 55 words). A fold's choice looks only at its training articles
(see choose()), separately per budget; when no setting is at least the lead there, the choice
is the lead itself. The held-out articles give the figures, each against the lead at the same
budget; the setting chosen on all articles is the one digest ships (scoring.CHOSEN).
"""

import itertools
import random
import re
import time
from dataclasses import replace

import numpy as np
from editions import load

from digest.summarize import DEFAULT_SENTENCES, DEFAULT_WORDS, split_sentences, summarize
from digest.summarize.scoring import (
    DEFAULT_SETTINGS,
    SummarySettings,
    analyse,
    fit_to_budget,
    pick,
    summary_candidates,
    takes_the_lead,
)

GRID = {
    "lead_weight": (1.0, 1.5, 3.0),
    "lead_decay": (12.0, 24.0),
    "title_weight": (0.0, 0.3),
    "length_exponent": (0.0, 0.25),
    "keep_first": (False, True),
    "fill_budget": (False, True),
    "lead_after": (None, 16, 20, 25),
    "lead_margin": (0.0, 0.1, 0.2, 0.4),
}
QUICK_GRID = {**GRID, "lead_decay": (24.0,), "title_weight": (0.0,)}
BUDGETS = {
    "1 sentence": (1, None),
    "2 sentences": (2, None),
    "3 sentences": (3, None),
    "default 2 sent <=55 w": (DEFAULT_SENTENCES, DEFAULT_WORDS),
}
METRICS = ("rouge1", "rouge2", "rougeL")
LEAD_ONLY = replace(DEFAULT_SETTINGS, lead_only=True)  # the lead, without furniture


class Rouge:
    """rouge-score's F1 (stemmed) with each text tokenised once, and ROUGE-L's longest common
    subsequence counted bit-parallel (Hyyro 2004) instead of by rouge-score's Python table:
    the same length, about 50 times faster; check() compares the two on real summaries."""

    def __init__(self) -> None:
        from rouge_score import rouge_scorer

        self.module = rouge_scorer
        self.scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
        self.cache: dict[str, list[str]] = {}
        self.masks: dict[str, dict[str, int]] = {}

    def tokens(self, text: str) -> list[str]:
        if text not in self.cache:
            self.cache[text] = self.scorer._tokenizer.tokenize(text)
        return self.cache[text]

    def score(self, reference: str, sentences: list[str]) -> np.ndarray:
        target = self.tokens(reference)
        predicted = [token for sentence in sentences for token in self.tokens(sentence)]
        m = self.module
        return 100 * np.array(
            [
                m._score_ngrams(
                    m._create_ngrams(target, 1), m._create_ngrams(predicted, 1)
                ).fmeasure,
                m._score_ngrams(
                    m._create_ngrams(target, 2), m._create_ngrams(predicted, 2)
                ).fmeasure,
                f_measure(self.lcs_length(reference, predicted), len(predicted), len(target)),
            ]
        )

    def lcs_length(self, reference: str, predicted: list[str]) -> int:
        """Length of the longest common subsequence of the reference's tokens and these."""
        if reference not in self.masks:
            masks: dict[str, int] = {}
            for position, token in enumerate(self.tokens(reference)):
                masks[token] = masks.get(token, 0) | (1 << position)
            self.masks[reference] = masks
        masks, width = self.masks[reference], len(self.tokens(reference))
        full = row = (1 << width) - 1
        for token in predicted:
            matches = row & masks.get(token, 0)
            row = ((row + matches) | (row - matches)) & full
        return width - row.bit_count()

    def check(self, rows: list[dict], method, budget: tuple) -> None:
        """Our ROUGE-L equals rouge-score's own on these rows' summaries."""
        count, words = budget
        for r in rows:
            predicted = method(r["text"], r["title"] or None, count, words)
            ours = self.score(r["summary"], predicted)[2]
            theirs = 100 * self.scorer.score(r["summary"], " ".join(predicted))["rougeL"].fmeasure
            assert abs(ours - theirs) < 1e-9, (ours, theirs)


def f_measure(overlap: int, predicted: int, reference: int) -> float:
    if not predicted or not reference or not overlap:
        return 0.0
    precision, recall = overlap / predicted, overlap / reference
    return 2 * precision * recall / (precision + recall)


class SumyTokenizer:
    """sumy's own tokenizer needs NLTK punkt data (a download); use our splitter instead."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> list[str]:
        return re.findall(r"\w+(?:'\w+)?", sentence)


def lexrank():
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def run(text: str, title: str | None, count: int, words: int | None) -> list[str]:
        document = PlaintextParser.from_string(text, SumyTokenizer()).document
        return fit_to_budget([str(s) for s in summarizer(document, count)], words)

    return run


def lead(text: str, title: str | None, count: int, words: int | None) -> list[str]:
    return fit_to_budget(split_sentences(text)[:count], words)


def ours(text: str, title: str | None, count: int, words: int | None) -> list[str]:
    """digest's summarizer as it ships: the cross-validated settings for the budget."""
    return summarize(text, title, count, max_words=words)


class Corpus:
    """One dataset's articles, analysed once, with ROUGE of each distinct summary cached."""

    def __init__(self, name: str, rows: list[dict], rouge: Rouge) -> None:
        self.name, self.rows, self.rouge = name, rows, rouge
        self.analyses = [
            analyse(summary_candidates(r["text"], r["title"] or None), r["title"] or None)
            for r in rows
        ]
        self.cache: dict[tuple[int, str], np.ndarray] = {}
        self.evaluated: dict[tuple, dict] = {}

    def score(self, index: int, summary: list[str]) -> np.ndarray:
        key = (index, "\n".join(summary))
        if key not in self.cache:
            self.cache[key] = self.rouge.score(self.rows[index]["summary"], summary)
        return self.cache[key]

    def evaluate(self, settings: SummarySettings, budget: tuple) -> dict:
        """Per-article ROUGE (n x 3) and words of one setting's picks at one budget."""
        count, words = budget
        if words is None:  # without a word budget there is nothing to fill
            settings = replace(settings, fill_budget=False)
        if (settings, budget) not in self.evaluated:
            if settings.lead_after is None or settings.lead_only:
                self.evaluated[settings, budget] = self._evaluate(settings, count, words)
            else:  # the lead for long articles, the setting's picks for the rest
                self.evaluated[settings, budget] = self._mix(settings, budget)
        return self.evaluated[settings, budget]

    def _mix(self, settings: SummarySettings, budget: tuple) -> dict:
        """What pick() returns under `lead_after`, from the two results it chooses between
        (takes_the_lead decides per article, as pick does)."""
        lead_ = self.evaluate(LEAD_ONLY, budget)
        rest = self.evaluate(replace(settings, lead_after=None), budget)
        takes = np.array([takes_the_lead(len(a.sentences), settings) for a in self.analyses])
        return {key: np.where(takes if key == "words" else takes[:, None], lead_[key], rest[key])
                for key in ("rouge", "words")}  # fmt: skip

    def _evaluate(self, settings: SummarySettings, count: int, words: int | None) -> dict:
        outputs = [pick(a, count, words, settings) for a in self.analyses]
        return {
            "rouge": np.array([self.score(i, out) for i, out in enumerate(outputs)]),
            "words": np.array([sum(len(s.split()) for s in out) for out in outputs]),
        }


def score_method(rows: list[dict], method, budget: tuple, rouge: Rouge) -> dict:
    """Per-article ROUGE (n x 3), words, and the time spent summarising (from the text)."""
    count, words = budget
    started = time.perf_counter()
    outputs = [method(r["text"], r["title"] or None, count, words) for r in rows]
    elapsed = time.perf_counter() - started
    return {
        "rouge": np.array(
            [rouge.score(r["summary"], out) for r, out in zip(rows, outputs, strict=True)]
        ),
        "words": np.array([sum(len(s.split()) for s in out) for out in outputs]),
        "ms": 1000 * elapsed / len(rows),
    }


def candidate_settings(grid: dict) -> list[SummarySettings]:
    names = list(grid)
    return [
        replace(DEFAULT_SETTINGS, **dict(zip(names, values, strict=True)))
        for values in itertools.product(*(grid[name] for name in names))
    ]


def folds_of(count: int, folds: int, seed: int) -> np.ndarray:
    order = list(range(count))
    random.Random(seed).shuffle(order)
    assignment = np.zeros(count, dtype=int)
    for position, index in enumerate(order):
        assignment[index] = position % folds
    return assignment


def choose(cnn: dict, bbc: dict, cnn_train: np.ndarray, bbc_train: np.ndarray) -> int:
    """Index of the chosen setting, -1 for the lead itself.

    Among settings above LexRank on BBC on every metric and using no more words than the
    lead on CNN/DM: the one whose smallest margin over the lead on CNN/DM stays widest after
    taking off one standard error of the per-article differences (a win that rests on a few
    of the 143 CNN/DM articles is noise, and choosing by the raw margin chased it). The lead
    margins in the grid let that choice be a setting that departs from the lead only on
    strong evidence, whose differences from the lead are small and steady. When no setting
    above LexRank is at least the lead there, the one nearest to it by the same measure is
    chosen (the lead itself would fall well below LexRank on BBC); with none above LexRank,
    the lead.
    """
    lead_rouge = cnn["lead"]["rouge"][cnn_train]
    lead_words = cnn["lead"]["words"][cnn_train].mean()
    lexrank_rouge = bbc["LexRank"]["rouge"][bbc_train].mean(axis=0)
    best, best_key = -1, (False, -np.inf, -np.inf)
    for index, result in enumerate(cnn["settings"]):
        on_bbc = bbc["settings"][index]["rouge"][bbc_train].mean(axis=0)
        over_lexrank = float((on_bbc - lexrank_rouge).min())
        differences = result["rouge"][cnn_train] - lead_rouge
        at_least_the_lead = bool((differences.mean(axis=0) >= 0).all())
        fewer_words = result["words"][cnn_train].mean() <= lead_words
        if over_lexrank <= 0 or not fewer_words:
            continue
        error = differences.std(axis=0, ddof=1) / np.sqrt(len(differences))
        margin = round(float((differences.mean(axis=0) - error).min()), 6)
        key = (at_least_the_lead, margin, over_lexrank)
        if key > best_key:
            best, best_key = index, key
    return best


def cross_validate(quick: bool, folds: int = 5, seed: int = 0) -> None:
    cnn_rows = load("cnndm_frank")
    bbc_rows = load("bbc_news_summary")
    if not (cnn_rows and bbc_rows):
        print("summaries: evaluation data absent, skipped")
        return
    if quick:
        bbc_rows = bbc_rows[:400]
    rouge = Rouge()
    rouge.check(cnn_rows[:20] + bbc_rows[:20], lead, BUDGETS["3 sentences"])
    report_lead_on_bbc(bbc_rows, rouge)
    settings = candidate_settings(QUICK_GRID if quick else GRID)
    started = time.perf_counter()
    cnn, bbc = Corpus("CNN/DM", cnn_rows, rouge), Corpus("BBC", bbc_rows, rouge)
    cnn_fold, bbc_fold = folds_of(len(cnn_rows), folds, seed), folds_of(len(bbc_rows), folds, seed)
    print(f"\n## Summaries: {folds}-fold CV over {len(cnn_rows)} CNN/DM + {len(bbc_rows)} BBC")
    print(f"{len(settings)} candidate settings, chosen per budget and fold")
    lexrank_run = lexrank()
    for label, budget in BUDGETS.items():
        on_cnn = {"lead": score_method(cnn_rows, lead, budget, rouge)}
        on_bbc = {"LexRank": score_method(bbc_rows, lexrank_run, budget, rouge)}
        on_cnn["settings"] = [cnn.evaluate(s, budget) for s in settings]
        on_bbc["settings"] = [bbc.evaluate(s, budget) for s in settings]
        chosen = [choose(on_cnn, on_bbc, cnn_fold != f, bbc_fold != f) for f in range(folds)]
        everywhere = choose(on_cnn, on_bbc, cnn_fold >= 0, bbc_fold >= 0)
        print(f"\nchosen at {label}:")
        for fold, index in enumerate([*chosen, everywhere]):
            name = f"fold {fold}" if fold < folds else "all articles (ships)"
            print(
                f"  {name}: "
                + (str(settings[index]) if index >= 0 else "the lead (none above LexRank)")
            )
        fold_of = (cnn_fold, bbc_fold)
        report_budget(label, budget, (cnn, bbc), (on_cnn, on_bbc), settings, chosen, fold_of)
    print(f"\n(cross-validation took {time.perf_counter() - started:.0f} s)")
    report_speed(bbc_rows, lexrank_run, rouge)


def report_lead_on_bbc(rows: list[dict], rouge: Rouge) -> None:
    """The lead against LexRank on BBC at each budget: what choosing the lead costs there."""
    run = lexrank()
    print("\nBBC, whole set: the lead against LexRank (R-1 / R-2 / R-L)")
    for label, budget in BUDGETS.items():
        cells = [score_method(rows, m, budget, rouge)["rouge"].mean(0) for m in (lead, run)]
        print(f"  {label:22} lead {fmt(cells[0])}   LexRank {fmt(cells[1])}")


def fmt(values: np.ndarray) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def report_budget(label, budget, corpora, results, settings, chosen, folds) -> None:
    print(f"\nheld-out folds at {label} (ROUGE F1 x100, mean ± sd over folds)")
    columns = " ".join(f"{name:>13}" for name in ("R-1", "R-2", "R-L"))
    print(f"{'dataset':8} {'method':10} {columns} {'words':>6}")
    for corpus, result, fold_of in zip(corpora, results, folds, strict=True):
        rows = corpus.rows
        table = {"Lead": result.get("lead") or score_method(rows, lead, budget, corpus.rouge)}
        table["LexRank"] = result.get("LexRank") or score_method(
            rows, lexrank(), budget, corpus.rouge
        )
        ours_rouge, ours_words = np.zeros((len(rows), 3)), np.zeros(len(rows))
        for fold, index in enumerate(chosen):
            held = fold_of == fold
            picked = corpus.evaluate(settings[index] if index >= 0 else LEAD_ONLY, budget)
            ours_rouge[held], ours_words[held] = picked["rouge"][held], picked["words"][held]
        table["ours (CV)"] = {"rouge": ours_rouge, "words": ours_words}
        for method, scores in table.items():
            means = np.array(
                [scores["rouge"][fold_of == f].mean(axis=0) for f in range(len(chosen))]
            )
            cells = " ".join(
                f"{m:6.2f} ±{s:5.2f}" for m, s in zip(means.mean(0), means.std(0), strict=True)
            )
            print(f"{corpus.name:8} {method:10} {cells} {scores['words'].mean():6.1f}")
        report_against(table, "Lead" if corpus.name == "CNN/DM" else "LexRank", fold_of, chosen)


def report_against(table: dict, other: str, fold_of: np.ndarray, chosen: list) -> None:
    """Ours minus `other` per held-out fold: the worst fold and how many folds are not below."""
    folds = range(len(chosen))
    differences = np.array(
        [
            table["ours (CV)"]["rouge"][fold_of == f].mean(0)
            - table[other]["rouge"][fold_of == f].mean(0)
            for f in folds
        ]
    )
    worst = " ".join(f"{d:+6.2f}" for d in differences.min(0))
    not_below = " ".join(f"{int((differences[:, m] >= 0).sum())}/{len(chosen)}" for m in range(3))
    print(f"{'':8} ours - {other}: worst fold {worst}; folds not below {not_below}")


def report_speed(rows: list[dict], lexrank_run, rouge: Rouge, repeats: int = 5) -> None:
    """Median time per article of the shipped summarizer and of sumy's LexRank, from raw
    text, interleaved so a noisy moment hits both."""
    budget = BUDGETS["default 2 sent <=55 w"]
    times: dict[str, list[float]] = {"ours": [], "LexRank": []}
    for _ in range(repeats):
        for name, method in (("ours", ours), ("LexRank", lexrank_run)):
            started = time.perf_counter()
            for r in rows:
                method(r["text"], r["title"] or None, *budget)
            times[name].append(1000 * (time.perf_counter() - started) / len(rows))
    medians = {name: float(np.median(values)) for name, values in times.items()}
    print(f"\nspeed on {len(rows)} BBC articles (median of {repeats} interleaved runs):")
    print(
        f"  ours {medians['ours']:.2f} ms/article, sumy LexRank {medians['LexRank']:.2f} ms/article"
    )
    print(f"  ours is {medians['LexRank'] / medians['ours']:.1f}x faster than sumy LexRank")


if __name__ == "__main__":
    cross_validate(quick=True)
