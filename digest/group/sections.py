"""Topic sections: the editor's keywords first, then the feed's categories, then learned topics.

Learned topics: TF-IDF reduced by SVD, KMeans with k chosen where clusterings of random
subsamples agree most (the most stable k). Each topic is named as a newspaper would name it
("Sport", "Business") when its stories clearly match one topic of the shipped taxonomy
(digest/group/taxonomy.py), else by its most distinctive word. Feed categories are read
through the same taxonomy, so "sports" and "Sport" make one section. The settings were chosen
by cross-validation on BBC News halves (bench/sections.py prints the figures).
"""

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize

from digest.group.taxonomy import (
    DEFAULT_NAMING,
    NamingSettings,
    article_vote,
    category_topic,
    group_topic,
)

FALLBACK_SECTION = "News"
SEED = 0
MIN_ARTICLES_PER_SECTION = 4
# Frequent in news but naming no topic (TfidfVectorizer's English stop words lack these).
_NOT_NAMES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "said",
        "says",
        "told",
        "year",
        "years",
        "new",
        "people",
        "just",
        "like",
    ]
)


@dataclass(frozen=True)
class SectionSettings:
    """How topics are learned; the defaults are the cross-validated choice."""

    svd_dimensions: int = 20
    max_sections: int = 9
    stability_runs: int = 6  # pairs of subsamples clustered and compared for each k
    subsample: float = 0.8  # share of the articles in each subsample
    agreement_margin: float = 0.05  # fewer sections win unless more agree better by this
    naming: NamingSettings = DEFAULT_NAMING  # when a topic takes the taxonomy's name


DEFAULT_SETTINGS = SectionSettings()


def assign_sections(
    articles: list[dict],
    sections: dict[str, list[str]] | None = None,
    *,
    settings: SectionSettings | None = None,
) -> list[str]:
    """A readable section name per article.

    The editor's keyword sections (`{"Sport": ["football", "tennis"]}`) win; then the feed's
    own `categories` (a list, or one string); the rest are grouped into topics whose number
    is chosen by stability and whose names are each topic's most distinctive word.
    """
    names: list[str | None] = [None] * len(articles)
    for index, article in enumerate(articles):
        names[index] = match_keywords(article, sections or {}) or feed_category(article)
    rest = [index for index, name in enumerate(names) if name is None]
    learned = learn_topics([articles[i] for i in rest], settings or DEFAULT_SETTINGS)
    for index, name in zip(rest, learned, strict=True):
        names[index] = name
    return [name or FALLBACK_SECTION for name in names]


def match_keywords(article: dict, sections: dict[str, list[str]]) -> str | None:
    """The section whose keywords occur most often (headline hits count double), if any."""
    title, text = (article.get("title") or "").lower(), (article.get("text") or "").lower()
    best, best_hits = None, 0
    for name, keywords in sections.items():
        hits = sum(2 * _count(k, title) + _count(k, text) for k in keywords if k.strip())
        if hits > best_hits:
            best, best_hits = name, hits
    return best


def _count(keyword: str, text: str) -> int:
    return len(re.findall(r"\b" + re.escape(keyword.lower().strip()) + r"\b", text))


def feed_category(article: dict) -> str | None:
    """The section the feeds' own categories agree on.

    Categories the taxonomy knows count under its name ("sports" and "Sport" are one), the
    name most of them give wins (earlier on a tie); with none known, the first category,
    tidied into a section name.
    """
    categories = article.get("categories") or []
    if isinstance(categories, str):
        categories = [categories]
    known = [name for name in map(category_topic, categories) if name]
    if known:
        return max(known, key=known.count)
    for category in categories:
        cleaned = " ".join(str(category).replace("_", " ").split())
        if cleaned:
            return cleaned if any(c.isupper() for c in cleaned) else cleaned.title()
    return None


def learn_topics(articles: list[dict], settings: SectionSettings = DEFAULT_SETTINGS) -> list[str]:
    """Cluster articles into topics (k chosen automatically) and name each topic."""
    votes = [article_vote(article, settings.naming) for article in articles]
    learned = topic_labels(articles, settings)
    if learned is None:  # too few to split: one section, named if they clearly share a topic
        return [group_topic(votes, settings.naming) or FALLBACK_SECTION] * len(articles)
    labels, tfidf, terms = learned
    return name_topics(tfidf, labels, terms, votes, settings.naming)


def topic_labels(
    articles: list[dict], settings: SectionSettings = DEFAULT_SETTINGS
) -> tuple[np.ndarray, Any, np.ndarray] | None:
    """(a topic label per article, their TF-IDF rows, the terms), or None when too few."""
    if len(articles) < 2 * MIN_ARTICLES_PER_SECTION:
        return None
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5)
    try:
        tfidf = vectorizer.fit_transform([_document(a) for a in articles])
    except ValueError:
        return None
    points = _reduce(tfidf, settings.svd_dimensions)
    return choose_clustering(points, settings), tfidf, vectorizer.get_feature_names_out()


def _document(article: dict) -> str:
    return f"{article.get('title') or ''} {article.get('text') or ''}"


def _reduce(tfidf, dimensions: int) -> np.ndarray:
    dimensions = min(dimensions, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
    if dimensions < 2:
        return tfidf.toarray()
    return normalize(TruncatedSVD(dimensions, random_state=SEED).fit_transform(tfidf))


def choose_clustering(
    points: np.ndarray, settings: SectionSettings = DEFAULT_SETTINGS
) -> np.ndarray:
    """KMeans labels at the fewest k whose subsample clusterings agree about as well as any.

    Real topics come back whichever articles are sampled; a split of one topic into two, or
    a merge of two, depends on the sample, so it scores lower agreement.
    """
    distinct = len(np.unique(points.round(6), axis=0))
    largest = min(settings.max_sections, len(points) // MIN_ARTICLES_PER_SECTION, distinct)
    if largest < 2:
        return np.zeros(len(points), dtype=int)
    agreement = {k: subsample_agreement(points, k, settings) for k in range(2, largest + 1)}
    best = max(agreement.values())
    k = min(k for k, value in agreement.items() if value >= best - settings.agreement_margin)
    return KMeans(k, n_init=10, random_state=SEED).fit_predict(points)


def subsample_agreement(points: np.ndarray, k: int, settings: SectionSettings) -> float:
    """Mean adjusted Rand index of k-clusterings of two random subsamples, on their overlap."""
    generator = np.random.default_rng(SEED)
    size = max(k, int(settings.subsample * len(points)))
    scores = []
    for run in range(settings.stability_runs):
        labels = []
        for side in range(2):
            chosen = generator.choice(len(points), size, replace=False)
            full = np.full(len(points), -1)
            model = KMeans(k, n_init=2, random_state=SEED + 2 * run + side)
            full[chosen] = model.fit_predict(points[chosen])
            labels.append(full)
        both = (labels[0] >= 0) & (labels[1] >= 0)
        scores.append(adjusted_rand_score(labels[0][both], labels[1][both]))
    return float(np.mean(scores))


def _is_name_word(term: str) -> bool:
    return term.isalpha() and len(term) >= 3 and term not in _NOT_NAMES


def name_topics(
    tfidf,
    labels: np.ndarray,
    terms: np.ndarray,
    votes: list[int | None] | None = None,
    naming: NamingSettings = DEFAULT_NAMING,
) -> list[str]:
    """Name each topic: the taxonomy's name when its stories clearly match one ("Sport"), else
    its most over-represented word ("Film"); never "X & Y". Two topics may share a taxonomy
    name (one Sport section, as in a newspaper); a word names one topic only."""
    names: dict[int, str] = {}
    for label in np.unique(labels).tolist():
        members = np.flatnonzero(labels == label).tolist()
        topic = group_topic([votes[i] for i in members], naming) if votes is not None else None
        if topic is not None:
            names[label] = topic
    overall = np.asarray(tfidf.mean(axis=0)).ravel()
    for label in np.unique(labels).tolist():
        if label in names:
            continue
        inside = np.asarray(tfidf[labels == label].mean(axis=0)).ravel()
        ranked = (terms[i] for i in np.argsort(-(inside - overall)) if _is_name_word(terms[i]))
        taken = set(names.values())
        names[label] = next((t.title() for t in ranked if t.title() not in taken), None) or (
            f"{FALLBACK_SECTION} {label + 1}"
        )
    return [names[int(label)] for label in labels]
