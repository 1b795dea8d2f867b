"""Small pieces of English wording shared by the HTML and plain-text templates."""

import re
from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

# Beyond this many names, "also covered by" gives a count instead of a list.
MAX_NAMED_SOURCES = 3

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def describe_date(day: date) -> str:
    """'Wednesday 25 November 2026', independent of the process locale."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def describe_coverage(sources: Sequence[str]) -> str:
    """'Also covered by The Guardian, Reuters', or a count when there are many."""
    if not sources:
        return ""
    if len(sources) > MAX_NAMED_SOURCES:
        return f"Also covered by {len(sources)} other sources"
    return "Also covered by " + ", ".join(sources)


def default_intro(is_first: bool) -> str:
    """The intro of an edition the editor gave none: true of the first edition, too."""
    if is_first:
        return "Here are the stories worth your time in this first edition."
    return "Here are the stories worth your time since the last edition."


def describe_more(count: int) -> str:
    """Link text for the stories left out of the email."""
    return f"{count} more {'story' if count == 1 else 'stories'}"


def split_paragraphs(text: str | None) -> list[str]:
    """Paragraphs separated by blank lines, each on one line."""
    if not text:
        return []
    blocks = text.replace("\r\n", "\n").split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def html_lines(text: str | None) -> Markup:
    """Escape text and keep its line breaks as <br>, for postal addresses."""
    lines = [escape(line.strip()) for line in (text or "").splitlines() if line.strip()]
    return Markup("<br>").join(lines)


_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def linkify(text: str) -> Markup:
    """Escape text and turn its http(s) addresses into links (the editor's intro)."""
    out, last = [], 0
    for match in _WEB_ADDRESS.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}" style="color:#0b5cad;">{url}</a>'))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def describe_reader_records(records_clicks: bool, records_opens: bool) -> str:
    """What a newsletter with per-reader statistics records about each reader, in the footer's
    words; empty when it records nothing about anyone."""
    if records_clicks and records_opens:
        what = "which stories you open and whether you open each email"
    elif records_clicks:
        what = "which stories you open"
    elif records_opens:
        what = "whether you open each email"
    else:
        return ""
    return (
        f"This newsletter records {what}, per reader; unsubscribing deletes what it recorded "
        "about you."
    )
