"""Sentence term vectors: lower-cased light-stemmed words, TF-IDF within one document."""

import re
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match plurals and tenses across sentences."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed content words of a text, stop words removed."""
    terms = (_term(word) for word in _WORD.findall(text.lower()))
    return [term for term in terms if term]


@lru_cache(maxsize=200_000)
def _term(word: str) -> str:
    """The stem of a content word; empty for stop words and single characters."""
    word = word.split("'")[0]
    if word in ENGLISH_STOP_WORDS or len(word) < 2:
        return ""
    return stem(word)


def tfidf_matrix(term_lists: list[list[str]]) -> tuple[np.ndarray, dict[str, int]]:
    """Row-normalised TF-IDF rows for term lists, with IDF computed over the rows themselves."""
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    columns: list[int] = []
    for row, terms in enumerate(term_lists):
        for term in terms:
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            rows.append(row)
    width = max(len(vocabulary), 1)
    flat = np.asarray(rows, dtype=np.int64) * width + np.asarray(columns, dtype=np.int64)
    counts = np.bincount(flat, minlength=len(term_lists) * width).astype(float)
    counts = counts.reshape(len(term_lists), width)
    document_frequency = np.count_nonzero(counts, axis=0)
    idf = np.log((1.0 + len(term_lists)) / (1.0 + document_frequency)) + 1.0
    return normalise_rows(np.log1p(counts) * idf), vocabulary


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to unit length, leaving all-zero rows alone."""
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    return matrix / np.where(norms > 0, norms, 1.0)


def vectorise(terms: list[str], vocabulary: dict[str, int]) -> np.ndarray:
    """A unit vector of `terms` over an existing vocabulary (unknown terms dropped)."""
    vector = np.zeros(max(len(vocabulary), 1))
    for term in terms:
        if term in vocabulary:
            vector[vocabulary[term]] += 1.0
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector
