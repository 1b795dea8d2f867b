"""Topic sections: the editor's keywords first, then the feed's categories, then learned topics."""

import re

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

MAX_SECTIONS = 10
SVD_DIMENSIONS = 100
SILHOUETTE_SAMPLE = 2000
NAME_TERMS = 2
FALLBACK_SECTION = "News"
SEED = 0


def assign_sections(
    articles: list[dict], sections: dict[str, list[str]] | None = None
) -> list[str]:
    """A readable section name per article.

    The editor's keyword sections (`{"Sport": ["football", "tennis"]}`) win; then the feed's
    own `categories`; the rest are grouped into topics whose number is chosen by silhouette
    and whose names come from each topic's most distinctive words.
    """
    names: list[str | None] = [None] * len(articles)
    for index, article in enumerate(articles):
        names[index] = match_keywords(article, sections or {}) or feed_category(article)
    rest = [index for index, name in enumerate(names) if name is None]
    for index, name in zip(rest, learn_topics([articles[i] for i in rest]), strict=True):
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
    """The first of the feed's own categories, tidied into a section name."""
    categories = article.get("categories") or []
    if isinstance(categories, str):
        categories = [categories]
    for category in categories:
        cleaned = " ".join(str(category).replace("_", " ").split())
        if cleaned:
            return cleaned if any(c.isupper() for c in cleaned) else cleaned.title()
    return None


def learn_topics(articles: list[dict]) -> list[str]:
    """Cluster articles into topics (k chosen automatically) and name each topic."""
    if len(articles) < 4:
        return [FALLBACK_SECTION] * len(articles)
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5)
    try:
        tfidf = vectorizer.fit_transform([_document(a) for a in articles])
    except ValueError:
        return [FALLBACK_SECTION] * len(articles)
    points = _reduce(tfidf)
    labels = choose_clustering(points)
    return name_topics(tfidf, labels, vectorizer.get_feature_names_out())


def _document(article: dict) -> str:
    return f"{article.get('title') or ''} {article.get('text') or ''}"


def _reduce(tfidf) -> np.ndarray:
    dimensions = min(SVD_DIMENSIONS, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
    if dimensions < 2:
        return tfidf.toarray()
    return normalize(TruncatedSVD(dimensions, random_state=SEED).fit_transform(tfidf))


def choose_clustering(points: np.ndarray) -> np.ndarray:
    """KMeans labels at the first k (from 2) whose silhouette is a local peak.

    The first peak, not the global best, because finer splits of a big topic (tennis and
    athletics inside sport) often score as well as the topics themselves.
    """
    previous: tuple[float, np.ndarray] | None = None
    distinct = len(np.unique(points.round(6), axis=0))
    for k in range(2, min(MAX_SECTIONS, len(points) - 1, distinct) + 1):
        current = _silhouette_of_kmeans(points, k)
        if previous is not None and current[0] <= previous[0]:
            return previous[1]
        previous = current
    return previous[1] if previous else np.zeros(len(points), dtype=int)


def _silhouette_of_kmeans(points: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    labels = KMeans(k, n_init=3, random_state=SEED).fit_predict(points)
    if len(set(labels)) < 2:
        return -1.0, labels
    sample = min(SILHOUETTE_SAMPLE, len(points))
    return silhouette_score(points, labels, sample_size=sample, random_state=SEED), labels


def name_topics(tfidf, labels: np.ndarray, terms: np.ndarray) -> list[str]:
    """Name each topic by the words most over-represented in it, e.g. "Film & Music"."""
    overall = np.asarray(tfidf.mean(axis=0)).ravel()
    names: dict[int, str] = {}
    for label in np.unique(labels):
        inside = np.asarray(tfidf[labels == label].mean(axis=0)).ravel()
        ranked = [terms[i] for i in np.argsort(-(inside - overall)) if terms[i].isalpha()]
        taken = set(names.values())
        count = NAME_TERMS
        name = " & ".join(t.title() for t in ranked[:count])
        while name in taken and count < len(ranked):
            count += 1
            name = " & ".join(t.title() for t in ranked[:count])
        names[int(label)] = name or FALLBACK_SECTION
    return [names[int(label)] for label in labels]
