"""Quality and speed of summarize and group against classic baselines, measured in one run.

Usage: python bench/quality.py [--quick] [--only STEP]
  (--quick: fewer BBC rows for summaries, a smaller grouping grid, no 100k timing)
Reads ../shared/data (never copied into the repo); skips what is absent. Every setting is
chosen by k-fold cross-validation and only held-out figures are printed (see
bench/summaries.py, bench/grouping.py, bench/sections.py); the whole-corpus cluster
figures are kept for reference and no longer decide anything.
"""

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import grouping  # noqa: E402
import sections  # noqa: E402
import summaries  # noqa: E402

from digest.group import cluster_stories  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load(name: str, limit: int | None = None) -> list[dict]:
    path = DATA / name / "dev.jsonl"
    if not path.exists():
        return []
    with path.open() as handle:
        rows = [json.loads(line) for line in handle]
    return rows[:limit] if limit else rows


# ---------------------------------------------------------------- clusters


def pair_scores(truth: list, predicted: list) -> tuple[float, float, float]:
    def pairs(counter: Counter) -> int:
        return sum(v * (v - 1) // 2 for v in counter.values())

    together = pairs(Counter(zip(truth, predicted, strict=True)))
    true_pairs, predicted_pairs = pairs(Counter(truth)), pairs(Counter(predicted))
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def bcubed_f1(truth: list, predicted: list) -> float:
    joint = Counter(zip(truth, predicted, strict=True))
    true_sizes, predicted_sizes = Counter(truth), Counter(predicted)
    precision = np.mean(
        [joint[t, p] / predicted_sizes[p] for t, p in zip(truth, predicted, strict=True)]
    )
    recall = np.mean([joint[t, p] / true_sizes[t] for t, p in zip(truth, predicted, strict=True)])
    return 2 * precision * recall / (precision + recall)


def cluster_row(label: str, truth: list, predicted: list, extra: str = "") -> str:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    p, r, f1 = pair_scores(truth, predicted)
    nmi = normalized_mutual_info_score(truth, predicted)
    ari = adjusted_rand_score(truth, predicted)
    b3 = bcubed_f1(truth, predicted)
    return (
        f"{label:34} {p:6.3f} {r:6.3f} {f1:6.3f} {b3:6.3f} {nmi:6.3f} {ari:6.3f} "
        f"{len(set(predicted)):5d} {extra}"
    )


def tuned_average_linkage(texts: list[str], truth: list, **vectorizer_args) -> tuple[list, float]:
    """The baseline: TF-IDF + average-linkage (cosine), threshold tuned on the data itself."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(**vectorizer_args).fit_transform(texts).toarray()
    tree = linkage(vectors, "average", metric="cosine")
    candidates = [(fcluster(tree, t, "distance"), t) for t in np.arange(0.30, 1.0, 0.01)]
    labels, threshold = max(candidates, key=lambda c: pair_scores(truth, list(c[0]))[2])
    return list(labels), 1.0 - threshold


def bench_clusters() -> None:
    print("\n## Whole-corpus same-event clusters, for reference (baselines tuned on the data)")
    columns = " ".join(f"{c:>6}" for c in ["P", "R", "F1", "B3-F1", "NMI", "ARI"])
    print(f"{'dataset / method':34} {columns} {'k':>5}")
    for name in ["uci_news_head", "wikiref220"]:
        rows = load(name)
        if not rows:
            print(f"{name}: absent, skipped")
            continue
        truth = [r["story"] for r in rows]
        texts = [f"{r['title'] or ''} {r['text'] or ''}" for r in rows]
        started = time.perf_counter()
        predicted = cluster_stories([{"title": r["title"], "text": r["text"]} for r in rows])
        print(
            cluster_row(
                f"{name}: ours (defaults)",
                truth,
                predicted,
                f"{time.perf_counter() - started:.2f}s",
            )
        )
        char, t_char = tuned_average_linkage(
            texts, truth, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True
        )
        print(cluster_row(f"{name}: char 3-5 + avg link", truth, char, f"tuned sim>={t_char:.2f}"))
        word, t_word = tuned_average_linkage(texts, truth, ngram_range=(1, 2), stop_words="english")
        print(cluster_row(f"{name}: word 1-2 + avg link", truth, word, f"tuned sim>={t_word:.2f}"))


# ---------------------------------------------------------------- scale


def synthetic_headlines(count: int, seed: int = 0) -> list[dict]:
    """UCI headlines (or generated ones), each with one word dropped and a random token added."""
    headlines = [r["title"] for r in load("uci_news_head")] or [
        f"story {i} about topic {i % 97} and place {i % 31}" for i in range(4000)
    ]
    rng = random.Random(seed)
    articles = []
    for _ in range(count):
        words = rng.choice(headlines).split()
        if len(words) > 3:
            words.pop(rng.randrange(len(words)))
        words.insert(rng.randrange(len(words) + 1), f"w{rng.randrange(50000)}")
        articles.append({"title": " ".join(words)})
    return articles


def bench_scale(quick: bool) -> None:
    print("\n## cluster_stories time on synthetic headlines")
    timings = {}
    for count in [10_000] if quick else [10_000, 100_000]:
        articles = synthetic_headlines(count)
        started = time.perf_counter()
        labels = cluster_stories(articles)
        timings[count] = time.perf_counter() - started
        print(f"{count:>7} articles: {timings[count]:6.1f}s, {len(set(labels))} stories")
    if len(timings) == 2:
        ratio = timings[100_000] / timings[10_000]
        verdict = "under" if timings[100_000] < 60 else "OVER"
        print(f"time(100k) / time(10k) = {ratio:.1f} (linear would be 10); 100k {verdict} 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows, no 100k timing")
    parser.add_argument(
        "--only", choices=["summaries", "grouping", "clusters", "sections", "scale"]
    )
    args = parser.parse_args()
    if not DATA.exists():
        print(f"{DATA} absent: only the synthetic timing runs")
    steps = {
        "summaries": lambda: summaries.cross_validate(args.quick),
        "grouping": lambda: grouping.report(grouping.cross_validate(quick=args.quick)),
        "clusters": bench_clusters,
        "sections": sections.cross_validate,
        "scale": lambda: bench_scale(args.quick),
    }
    for name, step in steps.items():
        if args.only in (None, name) and (DATA.exists() or name == "scale"):
            step()


if __name__ == "__main__":
    main()
