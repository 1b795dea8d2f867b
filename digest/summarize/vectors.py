"""Sentence term vectors: lower-cased light-stemmed words, TF-IDF within one document."""

import re

import numpy as np

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


def stem(word: str) -> str:
    """A light suffix stripper: enough to match plurals and tenses across sentences."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed content words of a text, stop words removed."""
    words = (w.split("'")[0] for w in _WORD.findall(text.lower()))
    return [stem(w) for w in words if w not in ENGLISH_STOP_WORDS and len(w) > 1]


def tfidf_matrix(term_lists: list[list[str]]) -> tuple[np.ndarray, dict[str, int]]:
    """Row-normalised TF-IDF rows for term lists, with IDF computed over the rows themselves."""
    vocabulary: dict[str, int] = {}
    for terms in term_lists:
        for term in terms:
            vocabulary.setdefault(term, len(vocabulary))
    counts = np.zeros((len(term_lists), max(len(vocabulary), 1)))
    for row, terms in enumerate(term_lists):
        for term in terms:
            counts[row, vocabulary[term]] += 1.0
    document_frequency = (counts > 0).sum(axis=0)
    idf = np.log((1.0 + len(term_lists)) / (1.0 + document_frequency)) + 1.0
    weights = np.log1p(counts) * idf
    return normalise_rows(weights), vocabulary


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to unit length, leaving all-zero rows alone."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def vectorise(terms: list[str], vocabulary: dict[str, int]) -> np.ndarray:
    """A unit vector of `terms` over an existing vocabulary (unknown terms dropped)."""
    vector = np.zeros(max(len(vocabulary), 1))
    for term in terms:
        if term in vocabulary:
            vector[vocabulary[term]] += 1.0
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector
