"""Sections on BBC News: 5 x 2-fold cross-validation over random halves, k never told.

For each of 5 random halves and its complement, the setting (SVD dimensions, the agreement
margin that favours fewer sections) is chosen by NMI on one half and scored on the other.
The number of sections found in each half shows the stability; a TF-IDF -> SVD -> KMeans
told k=5 is the reference.

Names: the thresholds that let a section take the taxonomy's name (digest/group/taxonomy.py)
are chosen on one half (named right minus named wrong) and scored on the other: how many of
the 5 BBC categories end up, for most of their stories, in a section called what a newspaper
prints (business -> Business, entertainment -> Entertainment, politics -> Politics,
sport -> Sport, tech -> Technology), and how many sections carry a wrong taxonomy name. The
term lists were written before this ran and are never fitted to it.
"""

import random
import time
from collections import Counter
from dataclasses import replace

import numpy as np
from editions import load

from digest.group.sections import DEFAULT_SETTINGS, assign_sections, topic_labels
from digest.group.taxonomy import (
    DEFAULT_NAMING,
    NamingSettings,
    group_topic,
    load_taxonomy,
    topic_hits,
    vote_of,
)

SETTINGS = [
    replace(DEFAULT_SETTINGS, svd_dimensions=dimensions, agreement_margin=margin)
    for dimensions in (20, 10)
    for margin in (0.05, 0.0)  # on a tie the first listed wins: fewer sections
]
REPEATS = 5
PRINTED = {
    "business": "Business",
    "entertainment": "Entertainment",
    "politics": "Politics",
    "sport": "Sport",
    "tech": "Technology",
}
NAMINGS = [
    NamingSettings(min_hits=hits, min_share=share, margin=margin)
    for hits in (2, 3, 4, 6)
    for share in (0.3, 0.4, 0.5, 0.6)
    for margin in (0.1, 0.2, 0.3)
]


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
    cross_validate_names(
        halves, [SETTINGS[best_setting(runs, halves, i)] for i in range(len(halves))]
    )
    headline_votes()


def best_setting(runs: dict, halves: list[list[dict]], index: int) -> int:
    from sklearn.metrics import normalized_mutual_info_score as nmi

    truth = [r["category"] for r in halves[index ^ 1]]
    return max(range(len(SETTINGS)), key=lambda n: nmi(truth, runs[index ^ 1, n][0]))


def cross_validate_names(halves: list[list[dict]], settings: list) -> None:
    """Naming thresholds chosen on each half's complement, scored on the half."""
    print("\n## Section names on BBC News: thresholds chosen on the other half")
    clustered = []
    for half, chosen in zip(halves, settings, strict=True):
        learned = topic_labels([_fields(r) for r in half], chosen)
        labels = learned[0] if learned is not None else np.zeros(len(half), dtype=int)
        hits = [topic_hits(r["title"], r["text"]) for r in half]
        clustered.append((half, labels, hits))
    right, wrong, plateaus = [], [], []
    for index, (half, labels, hits) in enumerate(clustered):
        train = clustered[index ^ 1]
        scores = {n: _score(*name_runs(*train, n)) for n in NAMINGS}
        naming = max(NAMINGS, key=scores.__getitem__)
        plateaus.append(sum(score == scores[naming] for score in scores.values()))
        correct, mistaken, names = name_runs(half, labels, hits, naming)
        right.append(correct)
        wrong.append(mistaken)
        print(
            f"  half {index}: min hits {naming.min_hits}, share {naming.min_share}, margin "
            f"{naming.margin}; {correct}/5 categories under their newspaper name, {mistaken} "
            f"sections wrongly named: {', '.join(sorted(set(names)))}"
        )
    print(
        f"named as a newspaper would: {np.mean(right):.1f} of 5 ± {np.std(right):.2f} "
        f"(min {min(right)}, max {max(right)}); wrongly named sections per half: "
        f"{np.mean(wrong):.1f} (max {max(wrong)})"
    )
    print(
        f"settings tied best on the training half: {min(plateaus)}-{max(plateaus)} of "
        f"{len(NAMINGS)} (the first listed is taken; the shipped default {DEFAULT_NAMING} "
        f"scores {[name_runs(*run, DEFAULT_NAMING)[:2] for run in clustered]})"
    )


def _score(correct: int, mistaken: int, names: list[str]) -> int:
    return correct - mistaken


def name_runs(
    half: list[dict], labels: np.ndarray, hits: list, naming: NamingSettings
) -> tuple[int, int, list[str]]:
    """(categories mostly under their printed name, sections given a wrong taxonomy name,
    a name per article: the taxonomy's, or the cluster number when it names none)."""
    votes = [vote_of(h, naming) for h in hits]
    names: list[str] = [""] * len(half)
    mistaken = 0
    for label in np.unique(labels).tolist():
        members = np.flatnonzero(labels == label).tolist()
        topic = group_topic([votes[i] for i in members], naming)
        majority = Counter(half[i]["category"] for i in members).most_common(1)[0][0]
        mistaken += topic is not None and topic != PRINTED[majority]
        for i in members:
            names[i] = topic or f"#{label}"
    correct = 0
    for category, printed in PRINTED.items():
        shown = Counter(n for n, r in zip(names, half, strict=True) if r["category"] == category)
        correct += bool(shown) and shown.most_common(1)[0][0] == printed
    return correct, mistaken, names


def headline_votes() -> None:
    """A second check on other data: UCI headlines' own categories against the article vote."""
    rows = load("uci_news_head")
    if not rows:
        return
    printed = {
        "business": {"Business"},
        "entertainment": {"Entertainment"},
        "science_technology": {"Technology", "Science"},
        "health": {"Health"},
    }
    names = load_taxonomy().names
    voted = right = 0
    for row in rows:
        vote = vote_of(topic_hits(row["title"], ""), NamingSettings(min_hits=2))
        if vote is not None:
            voted += 1
            right += names[vote] in printed[row["category"]]
    print(
        f"UCI headlines (headline hits count 2, so one term votes): {voted / len(rows):.0%} "
        f"vote, {right / max(voted, 1):.0%} of those for their own category's name"
    )


def _fields(row: dict) -> dict:
    return {"title": row["title"], "text": row["text"]}


if __name__ == "__main__":
    cross_validate()
