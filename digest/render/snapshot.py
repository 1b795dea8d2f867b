"""The frozen edition snapshot, parsed into read-only views for the templates.

The edition step freezes an edition as a JSON-compatible dict; render cannot be
imported by the edition step, so this module is the one place that reads it::

    {
      "newsletter": {"slug": str, "title": str, "lang": "en",
                     "postal_address": str | None},
      "edition": {"id": int, "subject": str, "intro": str | None,
                  "date": "2026-11-25", "archive_url": str, "more_url": str | None,
                  "preheader": str | None, "is_first": bool},
      "sections": [
        {"name": str, "aliases": [str, ...],
         "stories": [
           {"title": str, "url": str | None, "summary": [str, ...], "source": str,
            "image_url": str | None, "image_alt": str | None,
            "reading_minutes": int | None,
            "also_covered_by": [str, ...], "published_at": iso str | None,
            "topics": [str, ...], "is_pinned": bool, "is_update": bool}
         ]}
      ],
      "topics": [{"name": str, "keywords": [str, ...]}]
    }

Optional keys (absent is the same as null / empty): ``newsletter.lang`` (default
"en"), ``newsletter.postal_address``, ``edition.intro``, ``edition.more_url``,
``edition.preheader`` (inbox preview text; defaults to the intro or the first
titles), ``edition.is_first`` (the newsletter's first edition: the default intro
says so instead of "since the last edition"), ``topics`` (the editor's keyword
sections when the edition was frozen: a reader's topic of the same name also picks
the stories with those words, see digest.render.topics), ``sections[].aliases`` (the
section's other names: a reader's topic of one of them follows it) and every story key except
``title`` and ``source``. A story without a ``url`` (an article that has no web page)
is shown unlinked, with no "read more".
Only the mail's copy (digest.deliver.dispatch) has ``newsletter.records_reader_clicks`` and
``newsletter.records_reader_opens`` (per-reader statistics: the footer says so) and
``edition.open_pixel_url`` (open tracking: a 1x1 image in the HTML part).
Sections and the stories inside them are listed most important first.
Links and images must be absolute http(s) URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from digest.errors import RenderError


class SnapshotError(RenderError):
    """The snapshot does not have the documented shape; ``path`` says where."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"malformed edition snapshot at {path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class StoryView:
    """One story card: an article and the sources that also covered it."""

    title: str
    url: str | None
    source: str
    summary: tuple[str, ...] = ()
    image_url: str | None = None
    image_alt: str = ""
    reading_minutes: int | None = None
    also_covered_by: tuple[str, ...] = ()
    published_at: datetime | None = None
    topics: frozenset[str] = frozenset()
    is_pinned: bool = False
    is_update: bool = False  # its event went out in an earlier edition: labelled "Update"


@dataclass(frozen=True)
class SectionView:
    """A named group of stories, most important first."""

    name: str
    stories: tuple[StoryView, ...]
    # Its other names (the one it was built with, before an editor renamed it; the names it
    # had in other editions): a reader who chose one of them follows this section.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class EditionView:
    """Everything the email shows, independent of who receives it."""

    newsletter_slug: str
    newsletter_title: str
    edition_id: int
    subject: str
    date: date
    archive_url: str
    sections: tuple[SectionView, ...]
    lang: str = "en"
    intro: str | None = None
    more_url: str | None = None
    preheader: str | None = None
    postal_address: str | None = None
    # Topic name -> its keywords, as frozen with the edition.
    topic_keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Set for a reader whose topics picked no story: why she gets the whole edition.
    topic_notice: str | None = None
    # The newsletter's first edition: there is no "last edition" to speak of.
    is_first: bool = False
    # Mail only: what the newsletter records per reader (told in the footer), the open pixel.
    records_reader_clicks: bool = False
    records_reader_opens: bool = False
    open_pixel_url: str | None = None

    @property
    def story_count(self) -> int:
        """How many stories the edition holds across its sections."""
        return sum(len(section.stories) for section in self.sections)


def parse_snapshot(snapshot: dict) -> EditionView:
    """Read a frozen edition snapshot into an EditionView, or raise SnapshotError."""
    root = _Reader(snapshot, "snapshot")
    newsletter = root.child("newsletter")
    edition = root.child("edition")
    return EditionView(
        newsletter_slug=newsletter.text("slug"),
        newsletter_title=newsletter.text("title"),
        lang=newsletter.text("lang", required=False) or "en",
        postal_address=newsletter.text("postal_address", required=False, multiline=True),
        edition_id=edition.integer("id"),
        subject=edition.text("subject"),
        intro=edition.text("intro", required=False, multiline=True),
        date=edition.iso_date("date"),
        archive_url=edition.url("archive_url"),
        more_url=edition.url("more_url", required=False),
        preheader=edition.text("preheader", required=False),
        is_first=edition.flag("is_first"),
        records_reader_clicks=newsletter.flag("records_reader_clicks"),
        records_reader_opens=newsletter.flag("records_reader_opens"),
        open_pixel_url=edition.url("open_pixel_url", required=False),
        sections=tuple(_parse_section(item) for item in root.items("sections")),
        topic_keywords=tuple(_parse_topic(item) for item in root.items("topics", required=False)),
    )


def _parse_topic(reader: _Reader) -> tuple[str, tuple[str, ...]]:
    return reader.text("name"), reader.strings("keywords")


def _parse_section(reader: _Reader) -> SectionView:
    return SectionView(
        name=reader.text("name"),
        stories=tuple(_parse_story(item) for item in reader.items("stories", required=False)),
        aliases=reader.strings("aliases"),
    )


def _parse_story(reader: _Reader) -> StoryView:
    return StoryView(
        title=reader.text("title"),
        url=reader.url("url", required=False),
        source=reader.text("source"),
        summary=reader.strings("summary"),
        image_url=reader.url("image_url", required=False),
        image_alt=reader.text("image_alt", required=False) or "",
        reading_minutes=reader.optional_integer("reading_minutes"),
        also_covered_by=reader.strings("also_covered_by"),
        published_at=reader.iso_datetime("published_at"),
        topics=frozenset(reader.strings("topics")),
        is_pinned=reader.flag("is_pinned"),
        is_update=reader.flag("is_update"),
    )


class _Reader:
    """Typed access to one JSON object, naming the path of any bad value."""

    def __init__(self, value: Any, path: str):
        if not isinstance(value, dict):
            raise SnapshotError(path, f"expected an object, got {type(value).__name__}")
        self.value = value
        self.path = path

    def _get(self, key: str, kind: type | tuple[type, ...], required: bool) -> Any:
        found = self.value.get(key)
        if found is None:
            if required:
                raise SnapshotError(f"{self.path}.{key}", "missing")
            return None
        if not isinstance(found, kind) or isinstance(found, bool):
            raise SnapshotError(f"{self.path}.{key}", f"wrong type {type(found).__name__}")
        return found

    def child(self, key: str) -> _Reader:
        return _Reader(self._get(key, dict, True), f"{self.path}.{key}")

    def items(self, key: str, required: bool = True) -> list[_Reader]:
        found = self._get(key, list, required) or []
        return [_Reader(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(found)]

    def text(self, key: str, required: bool = True, multiline: bool = False) -> str | None:
        """A string, stripped; unless multiline, its whitespace runs become single spaces."""
        found = self._get(key, str, required)
        if found is not None and not found.strip():
            if required:
                raise SnapshotError(f"{self.path}.{key}", "empty")
            return None
        if found is None:
            return None
        return found.strip() if multiline else " ".join(found.split())

    def flag(self, key: str) -> bool:
        """A true/false value; absent is false."""
        found = self.value.get(key)
        if found is not None and not isinstance(found, bool):
            raise SnapshotError(f"{self.path}.{key}", f"wrong type {type(found).__name__}")
        return bool(found)

    def integer(self, key: str) -> int:
        return self._get(key, int, True)

    def optional_integer(self, key: str) -> int | None:
        found = self._get(key, int, False)
        if found is not None and found < 0:
            raise SnapshotError(f"{self.path}.{key}", "negative")
        return found

    def strings(self, key: str) -> tuple[str, ...]:
        found = self._get(key, list, False) or []
        if not all(isinstance(item, str) for item in found):
            raise SnapshotError(f"{self.path}.{key}", "expected a list of strings")
        return tuple(" ".join(item.split()) for item in found if item.strip())

    def url(self, key: str, required: bool = True) -> str | None:
        found = self.text(key, required)
        if found is not None and not _is_web_url(found):
            raise SnapshotError(f"{self.path}.{key}", f"not an absolute http(s) URL: {found!r}")
        return found

    def iso_date(self, key: str) -> date:
        try:
            return date.fromisoformat(self.text(key))
        except ValueError as error:
            raise SnapshotError(f"{self.path}.{key}", str(error)) from None

    def iso_datetime(self, key: str) -> datetime | None:
        found = self.text(key, required=False)
        try:
            return datetime.fromisoformat(found) if found else None
        except ValueError as error:
            raise SnapshotError(f"{self.path}.{key}", str(error)) from None


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    has_no_space = not any(ch.isspace() or ord(ch) < 32 for ch in value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and has_no_space
