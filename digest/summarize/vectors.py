"""Sentence term vectors: light-stemmed content words, TF-IDF within one document.

A document is tokenised by byte translation (ASCII punctuation becomes space), and every
distinct token is stemmed once and cached as a stem id, so vectorising is a handful of
numpy calls instead of a Python loop per word.
"""

import re
from itertools import chain, count

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")
# Keeps ASCII letters, digits, apostrophes, newlines and UTF-8 bytes; the rest becomes space.
_KEEP = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789'\n")
_TO_SPACE = bytes(byte if byte in _KEEP or byte >= 128 else 32 for byte in range(256))
_DASHES = ("\u2014", "\u2013", "\u2026")  # dashes and ellipses glue words without spaces
_NOT_CONTENT = 0  # stem id of stop words, numbers' punctuation and single characters
_CACHE_LIMIT = 500_000  # distinct tokens remembered before the cache starts afresh
_DENSE_LIMIT = 200_000  # cells of a document's term matrix kept dense (faster when small)


def stem(word: str) -> str:
    """A light suffix stripper: enough to match plurals and tenses across sentences."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


class _StemIds(dict):
    """Token (lower-cased UTF-8 bytes) -> id of its stem, learnt on first sight."""

    def __init__(self) -> None:
        super().__init__()
        self.stems: dict[str, int] = {}
        self.next_id = count(_NOT_CONTENT + 1)

    def __missing__(self, token: bytes) -> int:
        if len(self) > _CACHE_LIMIT:
            self.clear()
            self.stems.clear()
        words = _WORD.findall(token.decode("utf-8", "ignore"))
        word = words[0].split("'")[0] if words else ""
        if word in ENGLISH_STOP_WORDS or len(word) < 2:
            stem_id = _NOT_CONTENT
        else:
            term = stem(word)
            stem_id = self.stems.get(term) or self.stems.setdefault(term, next(self.next_id))
        self[token] = stem_id
        return stem_id


_STEM_IDS = _StemIds()


def term_ids(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Row index and stem id of every content word of `texts` (one row per text)."""
    joined = "\n".join(text.replace("\n", " ") for text in texts).lower()
    for dash in _DASHES:
        joined = joined.replace(dash, " ")
    lines = [line.split() for line in joined.encode().translate(_TO_SPACE).split(b"\n")]
    lengths = [len(line) for line in lines]
    tokens = chain.from_iterable(lines)
    ids = np.fromiter(map(_STEM_IDS.__getitem__, tokens), dtype=np.int64, count=sum(lengths))
    rows = np.repeat(np.arange(len(lines)), lengths)
    keep = ids != _NOT_CONTENT
    return rows[keep], ids[keep]


def tfidf_matrix(texts: list[str]) -> np.ndarray | sparse.csr_matrix:
    """Unit-length rows of log-TF x IDF, one per text, with IDF computed over the texts.

    Dense for ordinary articles, a sparse CSR matrix for very long ones.
    """
    rows, ids = term_ids(texts)
    _, columns = np.unique(ids, return_inverse=True)
    width = int(columns.max()) + 1 if len(columns) else 1
    cells, frequency = np.unique(rows * width + columns, return_counts=True)
    rows, columns = np.divmod(cells, width)
    document_frequency = np.bincount(columns, minlength=width)
    idf = np.log((1.0 + len(texts)) / (1.0 + document_frequency)) + 1.0
    weights = np.log1p(frequency) * idf[columns]
    weights /= np.sqrt(np.bincount(rows, weights * weights))[rows]
    if len(texts) * width > _DENSE_LIMIT:
        return sparse.csr_matrix((weights, (rows, columns)), shape=(len(texts), width))
    matrix = np.zeros((len(texts), width))
    matrix[rows, columns] = weights
    return matrix


def cosine_matrix(vectors: np.ndarray | sparse.csr_matrix) -> np.ndarray:
    """Pairwise cosine similarity of unit-length rows, as a dense array."""
    product = vectors @ vectors.T
    return product.toarray() if sparse.issparse(product) else product
