"""Edition-sized grouping batches built from ../shared/data, split into k folds for honest tuning.

Three families, as issue 9 describes them:
- bbc: 30 articles of one BBC category; each is its own story unless the titles are equal.
- uci: 1-4 headlines from each of 12 UCI stories of one category.
- wikiref: 2-3 WikiRef event clusters (2-5 articles each) mixed into BBC singles.

Folds split the items (BBC articles, UCI headlines within each story, WikiRef articles
within each event), so a held-out batch holds only items no training batch saw.
"""

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BATCH_SIZE = 30
UCI_STORIES = 12
BATCHES_PER_GROUP = 4  # per category (bbc, uci) or per fold (wikiref), in each fold


@dataclass
class Batch:
    family: str
    articles: list[dict]  # {"title", "text"}
    truth: list  # a story id per article


def load(name: str) -> list[dict]:
    path = DATA / name / "dev.jsonl"
    if not path.exists():
        return []
    with path.open() as handle:
        return [json.loads(line) for line in handle]


def fold_of_items(rows: list[dict], folds: int, seed: int, by: str | None = None) -> list[int]:
    """A fold number per row; with `by`, rows sharing that field are spread over the folds."""
    rng = random.Random(seed)
    groups: dict = defaultdict(list)
    for index, row in enumerate(rows):
        groups[row[by] if by else 0].append(index)
    assignment = [0] * len(rows)
    for key in sorted(groups, key=str):
        members = groups[key]
        rng.shuffle(members)
        offset = rng.randrange(folds)
        for position, index in enumerate(members):
            assignment[index] = (position + offset) % folds
    return assignment


def _article(row: dict) -> dict:
    return {"title": row.get("title") or "", "text": row.get("text") or ""}


def bbc_batches(rows: list[dict], rng: random.Random) -> list[Batch]:
    by_category = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    batches = []
    for category in sorted(by_category):
        members = by_category[category]
        for _ in range(BATCHES_PER_GROUP):
            chosen = rng.sample(members, min(BATCH_SIZE, len(members)))
            truth = [row["title"] for row in chosen]  # equal titles: the same story
            batches.append(Batch("bbc", [_article(row) for row in chosen], truth))
    return batches


def uci_batches(rows: list[dict], rng: random.Random) -> list[Batch]:
    stories = defaultdict(list)
    for row in rows:
        stories[(row["category"], row["story"])].append(row)
    by_category = defaultdict(list)
    for category, story in sorted(stories):
        by_category[category].append(story)
    batches = []
    for category, names in sorted(by_category.items()):
        if len(names) < UCI_STORIES:
            continue
        for _ in range(BATCHES_PER_GROUP):
            chosen = []
            for story in rng.sample(names, UCI_STORIES):
                headlines = stories[category, story]
                chosen += rng.sample(headlines, min(rng.randint(1, 4), len(headlines)))
            rng.shuffle(chosen)
            truth = [row["story"] for row in chosen]
            batches.append(Batch("uci", [_article(row) for row in chosen], truth))
    return batches


def wikiref_batches(events: list[dict], singles: list[dict], rng: random.Random) -> list[Batch]:
    by_event = defaultdict(list)
    for row in events:
        by_event[row["story"]].append(row)
    big = sorted(name for name, members in by_event.items() if len(members) >= 2)
    batches = []
    for _ in range(BATCHES_PER_GROUP):
        chosen = []
        for name in rng.sample(big, min(rng.randint(2, 3), len(big))):
            members = by_event[name]
            chosen += [(row, name) for row in rng.sample(members, min(len(members), 5))]
        filler = rng.sample(singles, BATCH_SIZE - len(chosen))
        chosen += [(row, "bbc:" + row["title"]) for row in filler]
        rng.shuffle(chosen)
        batches.append(
            Batch("wikiref", [_article(row) for row, _ in chosen], [name for _, name in chosen])
        )
    return batches


def fold_batches(folds: int = 5, seed: int = 0) -> list[list[Batch]]:
    """Edition-sized batches per fold: fold i is built only from fold i's items."""
    bbc, uci, wiki = load("bbc_news_summary"), load("uci_news_head"), load("wikiref220")
    if not (bbc and uci and wiki):
        return []
    bbc_fold = fold_of_items(bbc, folds, seed)
    uci_fold = fold_of_items(uci, folds, seed, by="story")
    wiki_fold = fold_of_items(wiki, folds, seed, by="story")
    result = []
    for fold in range(folds):
        rng = random.Random(seed * 1000 + fold)
        bbc_rows = [row for row, f in zip(bbc, bbc_fold, strict=True) if f == fold]
        uci_rows = [row for row, f in zip(uci, uci_fold, strict=True) if f == fold]
        wiki_rows = [row for row, f in zip(wiki, wiki_fold, strict=True) if f == fold]
        result.append(
            bbc_batches(bbc_rows, rng)
            + uci_batches(uci_rows, rng)
            + wikiref_batches(wiki_rows, bbc_rows, rng)
        )
    return result
