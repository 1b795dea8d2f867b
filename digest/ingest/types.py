"""Plain data shapes the ingest step hands to storage: no database, no Flask."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class RawArticle:
    """One article as read from a feed, a page, a file or the API, before storing."""

    title: str
    text: str  # cleaned plain text, paragraphs separated by "\n\n"
    url: str | None = None  # canonical URL (see canonical_url) or None for files without one
    html: str | None = None  # sanitised with nh3, or None
    guid: str | None = None
    published_at: datetime | None = None  # timezone-aware UTC
    updated_at: datetime | None = None
    author: str | None = None
    origin: str | None = None  # where it first appeared, e.g. "New York Times"
    categories: list[str] = field(default_factory=list)
    image_url: str | None = None
    is_teaser: bool = False  # feed gave only a summary; page fetch wanted


@dataclass(frozen=True)
class Rejection:
    """One item left out of a batch, and why; the others are stored."""

    index: int  # its place in the batch it came in, counted from 0
    reason: str


@dataclass
class ParsedFeed:
    """A feed document reduced to its title, link and entries."""

    title: str | None
    link: str | None
    entries: list[RawArticle]
    is_bozo: bool  # feedparser said malformed but readable
    bozo_reason: str | None
    rejected: list[Rejection] = field(default_factory=list)  # entries that could not be read
    hub: str | None = None  # the WebSub hub the document announces (rel="hub")
    self_url: str | None = None  # the feed's own address (rel="self"): the hub's topic


@dataclass
class FetchResult:
    """What an HTTP fetch returned, with the validators for the next conditional GET."""

    status: int  # 200, 304, ...
    content: bytes  # b"" on 304
    url: str  # final URL after redirects
    etag: str | None
    last_modified: str | None
    content_type: str | None
    link_header: str | None = None  # the Link header: where a WebSub hub may be announced
