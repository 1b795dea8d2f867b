"""News-tuned extractive selection: lead bias, centrality, headline overlap, length control."""

import numpy as np

from digest.summarize.sentences import split_sentences
from digest.summarize.vectors import cosine_matrix, tfidf_matrix

# One fixed setting, tuned on the dev splits of CNN/DM and BBC News together.
# Degree centrality carries most of the score; a gentle, slowly decaying lead prior keeps the
# opening sentences ahead when they are about as central as the rest.
LEAD_WEIGHT = 0.75  # weight of the position prior exp(-position / LEAD_DECAY)
LEAD_DECAY = 12.0  # sentences
TITLE_WEIGHT = 0.3  # weight of the headline overlap
REDUNDANCY_WEIGHT = 1.5  # penalty per unit of cosine with an already chosen sentence
LENGTH_EXPONENT = 0.25  # sentences longer than the document's median are damped by this power
MIN_WORDS = 5  # shorter sentences (datelines, captions, "Read more.") are never chosen


def summarize(text: str, title: str | None = None, max_sentences: int = 3) -> list[str]:
    """Up to `max_sentences` sentences of `text` that best summarise it, in text order."""
    sentences = split_sentences(text or "")
    if max_sentences <= 0 or not sentences:
        return []
    if len(sentences) <= max_sentences:
        return sentences
    scores, similarity = score_sentences(sentences, title)
    chosen = select(scores, similarity, max_sentences)
    return [sentences[i] for i in sorted(chosen)]


def score_sentences(sentences: list[str], title: str | None) -> tuple[np.ndarray, np.ndarray]:
    """A score per sentence and the sentence-by-sentence cosine matrix."""
    vectors = tfidf_matrix([*sentences, title or ""])
    similarity = cosine_matrix(vectors)
    title_overlap = similarity[:-1, -1]
    similarity = similarity[:-1, :-1]
    centrality = similarity.sum(axis=1) - similarity.diagonal()
    position = np.arange(len(sentences))
    scores = (
        _scaled(centrality)
        + TITLE_WEIGHT * _scaled(title_overlap)
        + LEAD_WEIGHT * np.exp(-position / LEAD_DECAY)
    )
    lengths = np.array([sentence.count(" ") + 1 for sentence in sentences], dtype=float)
    scores = scores / np.maximum(lengths / np.median(lengths), 1.0) ** LENGTH_EXPONENT
    return np.where(lengths < MIN_WORDS, -np.inf, scores), similarity


def select(scores: np.ndarray, similarity: np.ndarray, count: int) -> list[int]:
    """Greedy picks, each penalised by its similarity to sentences already picked."""
    chosen: list[int] = []
    available = np.isfinite(scores)
    if not available.any():
        return [0]
    for _ in range(min(count, int(available.sum()))):
        penalty = similarity[:, chosen].max(axis=1) if chosen else 0.0
        adjusted = np.where(available, scores - REDUNDANCY_WEIGHT * penalty, -np.inf)
        best = int(np.argmax(adjusted))
        chosen.append(best)
        available[best] = False
    return chosen


def _scaled(values: np.ndarray) -> np.ndarray:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else values
