"""Text every encoder accepts, cleaned where it comes in.

A lone surrogate (U+D800 to U+DFFF) is a valid Python string but not valid Unicode text:
UTF-8 encoders, SQLite, nh3 and Jinja's output refuse it. JSON escapes (`"\\udc80"`),
character references (`&#xD800;`), UTF-16 files and undecodable mail headers can all
carry one. Every ingest entry point passes its text through `without_surrogates`, and
storage does again, as the last line of defence. Only the standard library is imported
here, so the subscriber import can use it without loading the readers.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """The text with split surrogate pairs joined and each lone surrogate made U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def optional_without_surrogates(text: str | None) -> str | None:
    """without_surrogates() for a field that may be missing."""
    return None if text is None else without_surrogates(text)
