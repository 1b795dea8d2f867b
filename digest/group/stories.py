"""Same-event story clusters: sparse TF-IDF, nearest neighbours, average-linkage merging.

Similarity is a weighted mean of two cosines: the words of the headline and lead, and the
first five letters of each headline word (which match "Malaysia" to "Malaysian", "volcano" to
"volcanic": a rephrased headline to its original where whole words differ). As sparse as
words, so it keeps the cost of words, where character n-grams made 10,000 headlines 7 times
slower for the same held-out F1.

Full texts also count the rare names they share (words written with a capital inside a
sentence, and words with a digit: "Abaaoud", "Bataclan", "MH370"): a report followed over
weeks changes its words but keeps its names, where two stories of one section share mostly
the section's common names. Each shared name adds to the similarity by how rare it is in the
batch, so a group's mean stays the dot product of summed vectors.

Precision comes first: merging two different stories hides one from every reader, while
leaving two reports of one event apart only costs a line. Thresholds were chosen by 5-fold
cross-validation on edition-sized batches (bench/quality.py prints the held-out figures).
"""

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from digest.summarize.sentences import split_sentences

NEIGHBOURS = 12
CHUNK_ROWS = 2048
PREFIX_LETTERS = 5
MIN_TEXT_WORDS = 30  # an article with fewer words of text is compared as a headline
REPRINT_WORDS = 40  # text words that, equal after normalising, mark a reprint
# Two full texts whose own words and rare names (headlines left out) are less alike than this
# are different stories whatever their headlines say ("Weather update", "Letters", "Morning
# briefing": a column's title, new text every day). About the median of two different BBC
# stories of one section; 1 to 2% of the pairs of one WikiRef event fall below it.
TEXT_FLOOR = 0.02
_WORD = re.compile(r"[a-z0-9]+")
_DIGIT = re.compile(r"\d")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*[A-Za-z0-9]")


@dataclass(frozen=True)
class StorySettings:
    """What decides a merge; the defaults are the cross-validated choice."""

    text_words: int = 50  # words of the text that join the headline (twice) in a document
    text_threshold: float = 0.32  # mean similarity two groups of full articles need to merge
    headline_threshold: float = 0.16  # the same when either group has headlines only
    prefix_weight: float = 0.5  # share of the headline words' prefixes in the similarity
    reprint_similarity: float = 0.85  # cosine at which two articles are copies of one text
    ngrams: int = 2  # longest word n-gram in the vectors
    name_weight: float = 0.01  # similarity each rare name two full texts share adds
    name_share: float = 0.34  # a name in more of the batch's articles than this is not rare


DEFAULT_SETTINGS = StorySettings()


def cluster_stories(articles: list[dict], *, settings: StorySettings | None = None) -> list[int]:
    """A story label per article (0, 1, ... in order of first appearance).

    Reprints (the same opening text, or documents nearly identical) always share a story;
    other articles join only while the groups' mean similarity holds the threshold.
    """
    if not articles:
        return []
    settings = settings or DEFAULT_SETTINGS
    vectors = article_vectors(articles, settings.text_words, settings.ngrams)
    prefixes = headline_prefixes(articles) if settings.prefix_weight > 0 else None
    names = shared_names(articles, settings.name_share) if settings.name_weight > 0 else None
    texts = text_vectors(articles, settings.text_words, settings.ngrams)
    return cluster_vectors(articles, vectors, settings, prefixes, names, texts)


def cluster_vectors(
    articles: list[dict],
    vectors: sp.csr_matrix,
    settings: StorySettings,
    prefixes: sp.csr_matrix | None = None,
    names: sp.csr_matrix | None = None,
    texts: sp.csr_matrix | None = None,
) -> list[int]:
    """cluster_stories() on vectors already made by article_vectors() and, when the settings
    weigh them, headline_prefixes() and shared_names(); with text_vectors(), two groups of full
    texts also need texts alike beyond TEXT_FLOOR."""
    if prefixes is not None and settings.prefix_weight > 0:
        vectors = _blend(vectors, prefixes, settings.prefix_weight)
    words = vectors
    evidence = texts
    if names is not None and settings.name_weight > 0:
        scaled = np.float32(np.sqrt(settings.name_weight)) * names
        vectors = sp.hstack([vectors, scaled]).tocsr()
        if texts is not None:
            evidence = sp.hstack([texts, scaled]).tocsr()
    floor = min(settings.text_threshold, settings.headline_threshold)
    rows, cols, sims = nearest_neighbours(vectors, NEIGHBOURS, floor)
    has_text = [_word_count(a.get("text")) >= MIN_TEXT_WORDS for a in articles]
    copies = _words_cosine(words, rows, cols, sims, settings.reprint_similarity)
    parent = join_reprints(articles, rows, cols, copies, settings.reprint_similarity)
    merger = AverageLinkMerger(vectors, parent, has_text, settings, evidence)
    return relabel(merger.merge(rows, cols, sims))


def _words_cosine(
    words: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, floor: float
) -> np.ndarray:
    """The cosine of the words alone on each edge whose similarity reaches `floor` (0 on the
    others): shared names add to a similarity, so they could pass two reports of one event
    off as copies of one text."""
    copies = np.zeros_like(sims)
    close = np.flatnonzero(sims >= floor)
    if len(close):
        products = words[rows[close]].multiply(words[cols[close]])
        copies[close] = np.asarray(products.sum(axis=1)).ravel()
    return copies


def story_document(article: dict, text_words: int = 50) -> str:
    """The words that identify an event: the headline twice, then the lead of the text."""
    title = article.get("title") or ""
    text = " ".join((article.get("text") or "").split()[:text_words])
    return f"{title} {title} {text}"


def text_vectors(articles: list[dict], text_words: int = 50, ngrams: int = 2) -> sp.csr_matrix:
    """article_vectors() of the texts alone, headlines left out (an empty row for an article
    too short to compare): what two full texts have in common besides their headlines."""
    texts = [
        {"text": a.get("text")} if _word_count(a.get("text")) >= MIN_TEXT_WORDS else {}
        for a in articles
    ]
    if not any(texts):
        return sp.csr_matrix((len(articles), 1), dtype=np.float32)
    return article_vectors(texts, text_words, ngrams)


def _word_count(text: str | None) -> int:
    return len(text.split()) if text else 0


def article_vectors(articles: list[dict], text_words: int = 50, ngrams: int = 2) -> sp.csr_matrix:
    """Unit-length TF-IDF rows, IDF learned from the batch itself.

    Full articles get word 1..`ngrams`-grams; headlines alone get single words, since a
    rephrased headline shares words with the original far more often than word pairs.
    """
    words = TfidfVectorizer(stop_words="english").build_analyzer()

    def analyse(document: str) -> list[str]:
        tokens = words(document)
        if len(tokens) < MIN_TEXT_WORDS:
            return tokens
        grams = [
            " ".join(tokens[i : i + n])
            for n in range(2, ngrams + 1)
            for i in range(len(tokens) - n + 1)
        ]
        return tokens + grams

    vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, dtype=np.float32)
    try:
        documents = [story_document(a, text_words) for a in articles]
        return vectorizer.fit_transform(documents).tocsr()
    except ValueError:  # nothing but stop words in the whole batch
        return sp.csr_matrix((len(articles), 1), dtype=np.float32)


def headline_prefixes(articles: list[dict]) -> sp.csr_matrix:
    """Unit-length TF-IDF rows of the first PREFIX_LETTERS letters of each headline word
    (stop words left out); a word with a digit stays whole, since "MH17" is not "MH170". A
    headline of one word ("Weather", "Story 2") names no event: its row stays empty, so
    two such headlines never join articles whose texts differ."""
    words = TfidfVectorizer(stop_words="english").build_analyzer()

    def analyse(title: str) -> list[str]:
        found = [w if _DIGIT.search(w) else w[:PREFIX_LETTERS] for w in words(title)]
        return found if len(found) > 1 else []

    vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, dtype=np.float32)
    try:
        return vectorizer.fit_transform([a.get("title") or "" for a in articles]).tocsr()
    except ValueError:  # no headline has a word to compare
        return sp.csr_matrix((len(articles), 1), dtype=np.float32)


def shared_names(articles: list[dict], share: float = 0.34) -> sp.csr_matrix:
    """Rows whose dot product sums, over the rare names two full texts share, how rare each
    is: 1 for a name only those two hold, falling as log(n / holders) / log(n / 2) for one
    that more of the batch's n articles hold. A name is a word written with a capital after
    a sentence's first word, or a word with a digit; one held by more than `share` of the
    batch ("Monday", the section's own subject) tells no event from another and counts
    nothing. Headlines alone, and texts too short to compare, hold no names."""
    found = [
        _names(a.get("text") or "") if _word_count(a.get("text")) >= MIN_TEXT_WORDS else set()
        for a in articles
    ]
    holders: dict[str, int] = {}
    for names in found:
        for name in names:
            holders[name] = holders.get(name, 0) + 1
    count = len(articles)
    limit = max(2, int(share * count))
    columns: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, names in enumerate(found):
        for name in sorted(names):
            if 2 <= holders[name] <= limit:
                rows.append(row)
                cols.append(columns.setdefault(name, len(columns)))
                rarity = np.log(count / holders[name]) / np.log(count / 2) if count > 2 else 1.0
                values.append(np.sqrt(rarity))  # each side carries the root: the product is it
    shape = (count, max(1, len(columns)))
    return sp.csr_matrix((np.array(values, np.float32), (rows, cols)), shape=shape)


def _names(text: str) -> set[str]:
    names = set()
    for sentence in split_sentences(text):
        for word in _NAME_TOKEN.findall(sentence)[1:]:
            if word[0].isupper() or _DIGIT.search(word):
                names.add(word.lower().removesuffix("'s").removesuffix("’s"))
    return names


def _blend(words: sp.csr_matrix, prefixes: sp.csr_matrix, weight: float) -> sp.csr_matrix:
    """Rows whose dot product is the weighted mean of the two cosines."""
    blended = sp.hstack([np.sqrt(1 - weight) * words, np.sqrt(weight) * prefixes])
    return blended.tocsr().astype(np.float32)


def join_reprints(
    articles: list[dict], rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, similarity: float
) -> list[int]:
    """Union-find parents with every reprint joined to its original.

    A reprint is an article whose text opens with the same words as another's (a wire
    story under a new headline or with a sponsor trailer), or whose document is nearly
    identical to another's.
    """
    parent = list(range(len(articles)))
    first_with_key: dict[str, int] = {}
    for index, article in enumerate(articles):
        words = _WORD.findall((article.get("text") or "").lower())
        if len(words) >= MIN_TEXT_WORDS:
            other = first_with_key.setdefault(" ".join(words[:REPRINT_WORDS]), index)
            _join(parent, other, index)
    for edge in np.flatnonzero(sims >= similarity).tolist():
        _join(parent, int(rows[edge]), int(cols[edge]))
    return parent


def _join(parent: list[int], a: int, b: int) -> None:
    a, b = _find(parent, a), _find(parent, b)
    if a != b:
        parent[max(a, b)] = min(a, b)


def nearest_neighbours(
    vectors: sp.csr_matrix, k: int, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's top-k cosine neighbours at or above `threshold`, found chunk by chunk."""
    transposed = vectors.T.tocsc()
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, vectors.shape[0], CHUNK_ROWS):
        block = (vectors[start : start + CHUNK_ROWS] @ transposed).tocsr()
        found.append(_top_k_of_block(block, start, k, threshold))
    rows, cols, sims = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return rows, cols, sims


def _top_k_of_block(
    block: sp.csr_matrix, offset: int, k: int, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols, sims = [], [], []
    for local in range(block.shape[0]):
        lo, hi = block.indptr[local], block.indptr[local + 1]
        columns, values = block.indices[lo:hi], block.data[lo:hi]
        keep = (values >= threshold) & (columns != local + offset)
        columns, values = columns[keep], values[keep]
        if len(values) > k:
            best = np.argpartition(-values, k)[:k]
            columns, values = columns[best], values[best]
        rows.append(np.full(len(columns), local + offset))
        cols.append(columns)
        sims.append(values)
    if not rows:
        return np.empty(0, int), np.empty(0, int), np.empty(0, np.float32)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(sims)


class AverageLinkMerger:
    """Join neighbours, strongest link first, while the two groups' mean similarity holds.

    For unit vectors the mean pairwise cosine of groups A and B is sum(A).sum(B) / (|A| |B|),
    so average linkage needs one summed vector per group, never an n x n matrix. A pair of
    groups refused once is not measured again until one of them grows.
    """

    def __init__(
        self,
        vectors: sp.csr_matrix,
        parent: list[int],
        has_text: list[bool],
        settings: StorySettings,
        evidence: sp.csr_matrix | None = None,
    ) -> None:
        self.parent = parent
        self.settings = settings
        count = vectors.shape[0]
        self.sizes = [0] * count
        self.sums: list[dict[int, float]] = [{} for _ in range(count)]
        self.texts = [0] * count  # full texts in the group
        self.evidence: list[dict[int, float]] | None = None
        if evidence is not None:
            self.evidence = [{} for _ in range(count)]
        for index in range(count):
            root = _find(parent, index)
            self.sizes[root] += 1
            self.texts[root] += has_text[index]
            _add_into(self.sums[root], _row_dict(vectors, index))
            if self.evidence is not None and evidence is not None and has_text[index]:
                _add_into(self.evidence[root], _row_dict(evidence, index))

    def merge(self, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray) -> list[int]:
        refused: set[tuple[int, int, int, int]] = set()
        for edge in np.argsort(-sims, kind="stable").tolist():
            a, b = _find(self.parent, int(rows[edge])), _find(self.parent, int(cols[edge]))
            if a == b:
                continue
            key = (min(a, b), max(a, b), self.sizes[a] + self.sizes[b], self.sizes[min(a, b)])
            if key in refused:
                continue
            if not self.holds(a, b):
                refused.add(key)
                continue
            self.union(a, b)
        return [_find(self.parent, i) for i in range(len(self.parent))]

    def holds(self, a: int, b: int) -> bool:
        """Whether groups a and b are similar enough, on average, to be one story; two groups
        of full texts also need texts alike beyond TEXT_FLOOR, on average over their texts."""
        both_text = self.texts[a] and self.texts[b]
        s = self.settings
        threshold = s.text_threshold if both_text else s.headline_threshold
        if _dot(self.sums[a], self.sums[b]) < threshold * self.sizes[a] * self.sizes[b]:
            return False
        if not both_text or self.evidence is None:
            return True
        alike = _dot(self.evidence[a], self.evidence[b])
        return alike >= TEXT_FLOOR * self.texts[a] * self.texts[b]

    def union(self, a: int, b: int) -> None:
        if self.sizes[a] < self.sizes[b]:
            a, b = b, a
        self.parent[b] = a
        self.sizes[a] += self.sizes[b]
        self.texts[a] += self.texts[b]
        _add_into(self.sums[a], self.sums[b])
        self.sums[b] = {}
        if self.evidence is not None:
            _add_into(self.evidence[a], self.evidence[b])
            self.evidence[b] = {}


def _add_into(total: dict[int, float], part: dict[int, float]) -> None:
    for term, weight in part.items():
        total[term] = total.get(term, 0.0) + weight


def _row_dict(vectors: sp.csr_matrix, row: int) -> dict[int, float]:
    lo, hi = vectors.indptr[row], vectors.indptr[row + 1]
    return dict(zip(vectors.indices[lo:hi].tolist(), vectors.data[lo:hi].tolist(), strict=True))


def _dot(left: dict[int, float], right: dict[int, float]) -> float:
    if len(left) > len(right):
        left, right = right, left
    return sum(weight * right.get(term, 0.0) for term, weight in left.items())


def _find(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def relabel(roots: list[int]) -> list[int]:
    """Dense labels numbered in order of first appearance."""
    labels: dict[int, int] = {}
    return [labels.setdefault(root, len(labels)) for root in roots]
