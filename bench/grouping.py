"""Grouping on edition-sized batches: k-fold choice of every setting, held-out figures only.

Our settings and the baseline's threshold are both chosen on the training folds and scored
on the held-out fold, in the same run. For each weight of the headline words' prefixes,
full-text settings (text words and n-grams with the text threshold, then the shared names'
weight and share with the threshold again) are chosen on the bbc and wikiref batches and the
headline threshold on the uci batches; the weight with the best pooled F1 on all training
batches wins. Every choice keeps precision first (MAX_HIDDEN, MIN_PRECISION).
"""

import itertools
import multiprocessing
import os
from collections import Counter
from dataclasses import replace

import numpy as np
from editions import Batch, fold_batches

from digest.group.stories import (
    DEFAULT_SETTINGS,
    StorySettings,
    article_vectors,
    cluster_stories,
    cluster_vectors,
    headline_prefixes,
    shared_names,
    text_vectors,
)

TEXT_WORDS = (50, 100)  # 200 was never chosen in any fold
NGRAMS = (1, 2)
PREFIX_WEIGHTS = (0.0, 0.3, 0.5)
NAME_WEIGHTS = (0.0, 0.005, 0.01, 0.015)
NAME_SHARES = (0.25, 0.34, 0.5)
THRESHOLDS = tuple(float(round(t, 2)) for t in np.arange(0.06, 0.42, 0.02))
BASELINE_THRESHOLDS = tuple(float(round(t, 2)) for t in np.arange(0.04, 0.62, 0.02))
MAX_HIDDEN = 0.015  # training-fold constraint, below the 2% target
MIN_PRECISION = 0.92  # training-fold constraint, above the 0.90 target


def counts(truth: list, predicted: list) -> np.ndarray:
    """[pairs together in both, true pairs, predicted pairs, hidden stories, articles]."""

    def pairs(counter: Counter) -> int:
        return sum(v * (v - 1) // 2 for v in counter.values())

    members: dict = {}
    for label, story in zip(predicted, truth, strict=True):
        members.setdefault(label, set()).add(story)
    hidden = sum(len(stories) - 1 for stories in members.values())
    together = pairs(Counter(zip(truth, predicted, strict=True)))
    return np.array(
        [together, pairs(Counter(truth)), pairs(Counter(predicted)), hidden, len(truth)]
    )


def figures(total: np.ndarray) -> dict:
    together, true_pairs, predicted_pairs, hidden, articles = total
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "P": precision,
        "R": recall,
        "F1": f1,
        "false pairs": predicted_pairs - together,
        "hidden %": 100 * hidden / articles,
    }


def total_counts(batches: list[Batch], method) -> np.ndarray:
    return sum((counts(b.truth, method(b.articles)) for b in batches), np.zeros(5))


_TREES: dict[int, np.ndarray] = {}
_VECTORS: dict[tuple[int, int, int], object] = {}
_PREFIXES: dict[int, object] = {}
_NAMES: dict[tuple[int, float], object] = {}
_TEXTS: dict[tuple[int, int, int], object] = {}


def baseline(threshold: float):
    """Plain TF-IDF (title and text, English stop words) + cosine average linkage."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.feature_extraction.text import TfidfVectorizer

    def run(articles: list[dict]) -> list[int]:
        tree = _TREES.get(id(articles))
        if tree is None:
            texts = [f"{a['title']} {a['text']}" for a in articles]
            vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
            tree = _TREES[id(articles)] = linkage(vectors.toarray(), "average", metric="cosine")
        return list(fcluster(tree, 1.0 - threshold, "distance"))

    return run


def ours(settings: StorySettings, cached: bool = True):
    """Our grouping; vectors are cached per batch while settings are searched."""

    def run(articles: list[dict]) -> list[int]:
        if not cached:
            return cluster_stories(articles, settings=settings)
        key = (id(articles), settings.text_words, settings.ngrams)
        if key not in _VECTORS:
            _VECTORS[key] = article_vectors(articles, settings.text_words, settings.ngrams)
        if id(articles) not in _PREFIXES:
            _PREFIXES[id(articles)] = headline_prefixes(articles)
        names_key = (id(articles), settings.name_share)
        if names_key not in _NAMES:
            _NAMES[names_key] = shared_names(articles, settings.name_share)
        if key not in _TEXTS:
            _TEXTS[key] = text_vectors(articles, settings.text_words, settings.ngrams)
        prefixes, names = _PREFIXES[id(articles)], _NAMES[names_key]
        return cluster_vectors(articles, _VECTORS[key], settings, prefixes, names, _TEXTS[key])

    return run


def choose_baseline(train: list[Batch]) -> float:
    """The baseline's threshold with the best pooled pair F1 on the training batches."""
    scored = [(figures(total_counts(train, baseline(t)))["F1"], t) for t in BASELINE_THRESHOLDS]
    return max(scored)[1]


def choose_settings(train: list[Batch], quick: bool = False) -> StorySettings:
    """Best pooled F1 on the training batches among settings that keep precision first."""
    best = (-1.0, DEFAULT_SETTINGS)
    for weight in PREFIX_WEIGHTS:
        settings = choose_for_weight(train, replace(DEFAULT_SETTINGS, prefix_weight=weight), quick)
        best = max(
            best, (figures(total_counts(train, ours(settings)))["F1"], settings), key=lambda c: c[0]
        )
    return best[1]


def choose_for_weight(train: list[Batch], start: StorySettings, quick: bool) -> StorySettings:
    """The text settings (bbc, wikiref batches), then the headline threshold (uci batches)."""
    text = [b for b in train if b.family != "uci"]
    heads = [b for b in train if b.family == "uci"]

    def best_of(candidates, best: tuple) -> tuple:
        for settings in candidates:
            result = figures(total_counts(text, ours(settings)))
            if result["hidden %"] <= 100 * MAX_HIDDEN:
                best = max(best, (result["F1"], settings), key=lambda c: c[0])
        return best

    grid = (TEXT_WORDS[:2], NGRAMS[-1:]) if quick else (TEXT_WORDS, NGRAMS)
    best_text = best_of(
        (
            replace(start, text_words=words, ngrams=ngrams, text_threshold=threshold)
            for words, ngrams, threshold in itertools.product(*grid, THRESHOLDS)
        ),
        (-1.0, start),
    )
    names = [(0.0, start.name_share)] + list(itertools.product(NAME_WEIGHTS[1:], NAME_SHARES))
    best_text = best_of(
        (
            replace(best_text[1], name_weight=weight, name_share=share, text_threshold=threshold)
            for (weight, share), threshold in itertools.product(names, THRESHOLDS)
            if threshold >= best_text[1].text_threshold  # names only add to a similarity
        ),
        best_text,
    )
    best = (-1.0, best_text[1])
    for threshold in THRESHOLDS:
        settings = replace(best_text[1], headline_threshold=threshold)
        result = figures(total_counts(heads, ours(settings)))
        if result["P"] >= MIN_PRECISION and result["hidden %"] <= 100 * MAX_HIDDEN:
            best = max(best, (result["F1"], settings), key=lambda c: c[0])
    return best[1]


def cross_validate(folds: int = 5, seed: int = 0, quick: bool = False) -> list[dict]:
    """Per held-out fold: the chosen settings and both methods' figures per batch family; then,
    as the last entry, the settings chosen on every fold (what the defaults should be). The
    folds are searched in parallel, one process per core."""
    tasks = [(held, folds, seed, quick) for held in range(folds + 1)]
    with multiprocessing.Pool(min(len(tasks), os.cpu_count() or 1)) as pool:
        found = pool.map(_one_fold, tasks)
    return [fold for fold in found if fold]


def _one_fold(task: tuple[int, int, int, bool]) -> dict:
    held, folds, seed, quick = task
    for cache in (_TREES, _VECTORS, _PREFIXES, _NAMES, _TEXTS):
        cache.clear()  # keyed by id(): a new task's batches may reuse an old task's ids
    batches = fold_batches(folds, seed)
    if not batches:
        return {}
    train = [b for i, fold in enumerate(batches) if i != held for b in fold]
    if held == folds:  # every fold: the choice the defaults come from
        return {"settings": choose_settings(train, quick), "all folds": True}
    settings, threshold = choose_settings(train, quick), choose_baseline(train)
    result = {"settings": settings, "baseline threshold": threshold}
    for family in ("bbc", "uci", "wikiref", "all"):
        test = [b for b in batches[held] if family in ("all", b.family)]
        result["ours", family] = figures(total_counts(test, ours(settings)))
        result["baseline", family] = figures(total_counts(test, baseline(threshold)))
        result["current", family] = figures(total_counts(test, ours(DEFAULT_SETTINGS, False)))
    return result


def describe(s: StorySettings) -> str:
    return (
        f"text words {s.text_words}, {s.ngrams}-grams, headline prefixes {s.prefix_weight}, "
        f"names {s.name_weight} (share {s.name_share}), text >= {s.text_threshold}, "
        f"headline >= {s.headline_threshold}"
    )


def report(results: list[dict]) -> None:
    print("\n## Grouping on edition-sized batches, held-out folds (mean ± sd over folds)")
    print("settings chosen per fold:")
    every = [fold for fold in results if fold.get("all folds")]
    results = [fold for fold in results if not fold.get("all folds")]
    for index, fold in enumerate(results):
        print(
            f"  fold {index}: {describe(fold['settings'])}; "
            f"baseline >= {fold['baseline threshold']}"
        )
    for fold in every:
        print(f"  all folds (DEFAULT_SETTINGS should be this): {describe(fold['settings'])}")
    keys = ["P", "R", "F1", "false pairs", "hidden %"]
    print(f"{'family':8} {'method':16} " + " ".join(f"{k:>14}" for k in keys))
    for family in ("bbc", "uci", "wikiref", "all"):
        for method in ("ours", "current", "baseline"):
            label = {"current": "defaults*", "ours": "ours (CV)"}.get(method, method)
            cells = []
            for key in keys:
                values = np.array([fold[method, family][key] for fold in results])
                cells.append(f"{values.mean():8.3f} ±{values.std():5.3f}")
            print(f"{family:8} {label:16} " + " ".join(cells))
    print("* the shipped defaults were chosen on all folds: shown for reference, not a result")
    print(
        "false pairs: different stories merged, per held-out fold (20 bbc, 12 uci, 4 wikiref "
        "batches); hidden %: stories hidden inside another story, per 100 articles"
    )


if __name__ == "__main__":
    report(cross_validate())
