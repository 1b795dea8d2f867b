"""Extractive, news-tuned summaries and sentence splitting (pure functions, no downloads)."""

from digest.summarize.scoring import summarize
from digest.summarize.sentences import split_sentences

__all__ = ["split_sentences", "summarize"]
