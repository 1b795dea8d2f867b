"""Extractive, news-tuned summaries and sentence splitting (pure functions, no downloads)."""

from digest.summarize.scoring import (
    DEFAULT_SENTENCES,
    DEFAULT_WORDS,
    SummarySettings,
    summarize,
)
from digest.summarize.sentences import split_sentences

__all__ = ["DEFAULT_SENTENCES", "DEFAULT_WORDS", "SummarySettings", "split_sentences", "summarize"]
