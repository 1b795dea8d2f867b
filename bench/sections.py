"""Sections on BBC News: 5 x 2-fold cross-validation over random halves, k never told.

For each of 5 random halves and its complement, the setting (SVD dimensions, the agreement
margin that favours fewer sections) is chosen by NMI on one half and scored on the other.
The number of sections found in each half shows the stability; a TF-IDF -> SVD -> KMeans
told k=5 is the reference.
"""

import random
import time
from collections import Counter
from dataclasses import replace

import numpy as np
from editions import load

from digest.group.sections import DEFAULT_SETTINGS, assign_sections

SETTINGS = [
    replace(DEFAULT_SETTINGS, svd_dimensions=dimensions, agreement_margin=margin)
    for dimensions in (20, 10)
    for margin in (0.05, 0.0)  # on a tie the first listed wins: fewer sections
]
REPEATS = 5


def told_k(rows: list[dict], k: int = 5) -> list[int]:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    texts = [f"{r['title']} {r['text']}" for r in rows]
    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    points = normalize(TruncatedSVD(100, random_state=0).fit_transform(tfidf))
    return list(KMeans(k, n_init=10, random_state=0).fit_predict(points))


def cross_validate(seed: int = 0) -> None:
    from sklearn.metrics import normalized_mutual_info_score as nmi

    rows = load("bbc_news_summary")
    if not rows:
        print("sections: evaluation data absent, skipped")
        return
    rng = random.Random(seed)
    halves = []
    for _ in range(REPEATS):
        order = rows[:]
        rng.shuffle(order)
        halves += [order[: len(order) // 2], order[len(order) // 2 :]]
    runs: dict[tuple[int, int], tuple[list[str], float]] = {}
    for index, half in enumerate(halves):
        for number, settings in enumerate(SETTINGS):
            started = time.perf_counter()
            names = assign_sections([_fields(r) for r in half], settings=settings)
            runs[index, number] = names, time.perf_counter() - started
    print(f"\n## Sections on BBC News: {REPEATS} x 2-fold CV over random halves, k not told")
    held_out, counts, reference = [], [], []
    for index, half in enumerate(halves):
        train = halves[index ^ 1]
        truth_train = [r["category"] for r in train]
        chosen = max(range(len(SETTINGS)), key=lambda n: nmi(truth_train, runs[index ^ 1, n][0]))
        names, seconds = runs[index, chosen]
        truth = [r["category"] for r in half]
        held_out.append(nmi(truth, names))
        counts.append(len(set(names)))
        reference.append(nmi(truth, told_k(half)))
        print(
            f"  half {index}: SVD {SETTINGS[chosen].svd_dimensions}, margin "
            f"{SETTINGS[chosen].agreement_margin} chosen on its complement; held-out NMI "
            f"{held_out[-1]:.3f}, {counts[-1]} sections in {seconds:.1f}s: "
            + ", ".join(f"{n} {c}" for n, c in Counter(names).most_common())
        )
    print(
        f"held-out NMI {np.mean(held_out):.3f} ± {np.std(held_out):.3f} (min {min(held_out):.3f})"
    )
    print(f"sections per half: {counts} (spread {max(counts) - min(counts)})")
    print(f"reference told k=5: NMI {np.mean(reference):.3f} ± {np.std(reference):.3f}")


def _fields(row: dict) -> dict:
    return {"title": row["title"], "text": row["text"]}


if __name__ == "__main__":
    cross_validate()
