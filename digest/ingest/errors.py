"""Ingest failures; each carries its data as attributes and reads as one line."""

from __future__ import annotations

from pathlib import Path

from digest.errors import DigestError


class IngestError(DigestError):
    """Base class of everything the ingest step raises on bad input."""


class FetchError(IngestError):
    """A URL could not be fetched (network, timeout, HTTP error status)."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(url, reason)

    def __str__(self) -> str:
        return f"cannot fetch {self.url}: {self.reason}"


class UnsafeURL(IngestError):
    """A URL was refused before connecting (scheme, private address: SSRF guard)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(url, reason)

    def __str__(self) -> str:
        return f"refused to fetch {self.url}: {self.reason}"


class TooLarge(IngestError):
    """A response body went over the byte limit."""

    def __init__(self, url: str, limit: int) -> None:
        self.url = url
        self.limit = limit
        super().__init__(url, limit)

    def __str__(self) -> str:
        return f"response from {self.url} is larger than {self.limit} bytes"


class FeedError(IngestError):
    """A document is not a readable feed, or is hostile XML."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)

    def __str__(self) -> str:
        return f"not a usable feed: {self.reason}"


class ArticleFileError(IngestError):
    """An article file (or one item in it) cannot be read."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        super().__init__(path, reason, line)

    def __str__(self) -> str:
        where = f"{self.path}" if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


class MalformedURL(IngestError):
    """A URL that cannot be parsed at all, such as an IPv6 host without its closing bracket."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(url, reason)

    def __str__(self) -> str:
        return f"malformed URL {self.url!r}: {self.reason}"


class UnexpectedFailure(IngestError):
    """Something no reader expected went wrong with one source or item; it fails alone."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(cause)

    def __str__(self) -> str:
        return f"unexpected error: {type(self.cause).__name__}: {self.cause}"
