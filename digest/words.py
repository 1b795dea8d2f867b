"""Counts in the messages people read: "1 article", "3 stories", never "1 articles"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """The count with its noun in the right number: counted(1, "story") is "1 story"."""
    return f"{count} {noun if count == 1 else plural or plural_of(noun)}"


def plural_of(noun: str) -> str:
    """The regular English plural of a noun (its last word): story -> stories, box -> boxes."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"
