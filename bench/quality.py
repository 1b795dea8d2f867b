"""Quality and speed of summarize and group against classic baselines, measured in one run.

Usage: python bench/quality.py [--quick]   (--quick: fewer BBC rows, no 100k timing)
Reads ../shared/data (never copied into the repo); skips what is absent.
"""

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digest.group import assign_sections, cluster_stories  # noqa: E402
from digest.summarize import split_sentences, summarize  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SUMMARY_SETS = [("cnndm_frank", 3), ("bbc_news_summary", 3), ("xsum_frank", 1)]


def load(name: str, limit: int | None = None) -> list[dict]:
    path = DATA / name / "dev.jsonl"
    if not path.exists():
        return []
    with path.open() as handle:
        rows = [json.loads(line) for line in handle]
    return rows[:limit] if limit else rows


# ---------------------------------------------------------------- summaries


class SumyTokenizer:
    """sumy's own tokenizer needs NLTK punkt data (a download); use our splitter instead."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return split_sentences(paragraph)

    def to_words(self, sentence: str) -> list[str]:
        return re.findall(r"\w+(?:'\w+)?", sentence)


def sumy_method(kind: str):
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = (LexRankSummarizer if kind == "lexrank" else TextRankSummarizer)(
        Stemmer("english")
    )
    summarizer.stop_words = get_stop_words("english")

    def run(text: str, title: str | None, count: int) -> list[str]:
        document = PlaintextParser.from_string(text, SumyTokenizer()).document
        return [str(sentence) for sentence in summarizer(document, count)]

    return run


def lead(text: str, title: str | None, count: int) -> list[str]:
    return split_sentences(text)[:count]


def ours(text: str, title: str | None, count: int) -> list[str]:
    return summarize(text, title, count)


def score_summaries(rows: list[dict], method, count: int) -> dict:
    from rouge_score import rouge_scorer

    started = time.perf_counter()
    predictions = ["\n".join(method(r["text"], r["title"] or None, count)) for r in rows]
    elapsed = time.perf_counter() - started
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores = [scorer.score(r["summary"], p) for r, p in zip(rows, predictions, strict=True)]
    result = {m: 100 * np.mean([s[m].fmeasure for s in scores]) for m in scores[0]}
    result["words"] = np.mean([len(p.split()) for p in predictions])
    result["ms"] = 1000 * elapsed / len(rows)
    return result


def bench_summaries(quick: bool) -> None:
    methods = {
        "Lead": lead,
        "sumy LexRank": sumy_method("lexrank"),
        "sumy TextRank": sumy_method("textrank"),
        "ours": ours,
    }
    print("\n## Summaries (ROUGE F1 x100, rouge-score with stemming)")
    print(
        f"{'dataset':18} {'method':14} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'words':>6} {'ms/art':>7}"
    )
    for name, count in SUMMARY_SETS:
        rows = load(name, 300 if quick and name == "bbc_news_summary" else None)
        if not rows:
            print(f"{name}: absent, skipped")
            continue
        results = {label: score_summaries(rows, method, count) for label, method in methods.items()}
        for label, r in results.items():
            print(
                f"{name + f' @{count}':18} {label:14} {r['rouge1']:6.2f} {r['rouge2']:6.2f} "
                f"{r['rougeL']:6.2f} {r['words']:6.1f} {r['ms']:7.2f}"
            )
        ratio = results["sumy LexRank"]["ms"] / results["ours"]["ms"]
        print(f"{'':18} speed ours vs sumy LexRank: {ratio:.1f}x faster")


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
    print("\n## Same-event clusters (pairwise P/R/F1, B-cubed F1, NMI, ARI)")
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
                f"{name}: ours (fixed)", truth, predicted, f"{time.perf_counter() - started:.2f}s"
            )
        )
        char, t_char = tuned_average_linkage(
            texts, truth, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True
        )
        print(cluster_row(f"{name}: char 3-5 + avg link", truth, char, f"tuned sim>={t_char:.2f}"))
        word, t_word = tuned_average_linkage(texts, truth, ngram_range=(1, 2), stop_words="english")
        print(cluster_row(f"{name}: word 1-2 + avg link", truth, word, f"tuned sim>={t_word:.2f}"))


def bench_sections(quick: bool) -> None:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.preprocessing import normalize

    rows = load("bbc_news_summary")
    if not rows:
        print("bbc_news_summary: absent, sections skipped")
        return
    truth = [r["category"] for r in rows]
    started = time.perf_counter()
    names = assign_sections([{"title": r["title"], "text": r["text"]} for r in rows])
    elapsed = time.perf_counter() - started
    texts = [f"{r['title']} {r['text']}" for r in rows]
    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    points = normalize(TruncatedSVD(100, random_state=0).fit_transform(tfidf))
    baseline = KMeans(5, n_init=10, random_state=0).fit_predict(points)
    print("\n## Sections on BBC News (5 categories)")
    for label, predicted, extra in [
        ("ours (k chosen automatically)", names, f"{elapsed:.1f}s"),
        ("TF-IDF->SVD(100)->KMeans, told k=5", list(baseline), ""),
    ]:
        nmi = normalized_mutual_info_score(truth, predicted)
        ari = adjusted_rand_score(truth, predicted)
        print(f"{label:36} NMI {nmi:.3f} ARI {ari:.3f} k={len(set(predicted))} {extra}")
    print("section names:", dict(Counter(names).most_common()))


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
        print(f"ratio 100k / 10k: {timings[100_000] / timings[10_000]:.1f} (linear would be 10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows, no 100k timing")
    parser.add_argument("--only", choices=["summaries", "clusters", "sections", "scale"])
    args = parser.parse_args()
    if not DATA.exists():
        print(f"{DATA} absent: only the synthetic timing runs")
    steps = {
        "summaries": lambda: bench_summaries(args.quick),
        "clusters": bench_clusters,
        "sections": lambda: bench_sections(args.quick),
        "scale": lambda: bench_scale(args.quick),
    }
    for name, step in steps.items():
        if args.only in (None, name) and (DATA.exists() or name == "scale"):
            step()


if __name__ == "__main__":
    main()
