"""Subscribers as CSV, safe to open in a spreadsheet: what a visitor typed never runs as a formula.

Spreadsheets read a cell that starts with = + - @, a tab or a carriage return as a formula
(OWASP "CSV injection"); such a cell (or one that is quotes before such a start) is written
with one more leading single quote, which shows the text as typed. Our own import takes that
quote off again, so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain

from digest.audience.search import Filters, every_row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["email", "name", "newsletter", "status", "topics", "subscribed_at"]
CHUNK_ROWS = 500


def spreadsheet_cell(value: object) -> str:
    """The value as text that a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if _looks_like_formula(text) else text


def from_spreadsheet_cell(text: str) -> str:
    """The value spreadsheet_cell() was given (the quote it added is taken off)."""
    return text[1:] if text.startswith("'") and _looks_like_formula(text) else text


def _looks_like_formula(text: str) -> bool:
    """Quotes count too, so a typed `'=x` keeps its quote through an export and an import."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def csv_chunks(rows: Iterable[Iterable[object]], chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """CSV text of the rows, every cell made safe, a chunk of rows at a time (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, row in enumerate(rows, start=1):
        writer.writerow([spreadsheet_cell(cell) for cell in row])
        if number % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def subscriber_csv(filters: Filters) -> Iterator[str]:
    """Every subscription matching the filters, header first, as CSV chunks."""
    rows = (
        [r.email, r.name, r.newsletter, r.status, "; ".join(r.topics or []), r.since]
        for r in every_row(filters)
    )
    return csv_chunks(chain([HEADER], rows))
