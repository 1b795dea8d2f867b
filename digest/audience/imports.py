"""Importing subscribers from CSV: bad rows are reported with their line numbers, never fatal."""

from __future__ import annotations

import codecs
import csv
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TextIO

from digest.audience.exports import from_spreadsheet_cell
from digest.audience.subscriptions import (
    add_subscription,
    claim_confirmation,
    parse_topics,
)
from digest.audience.topics import newsletter_topics, split_offered, topic_aliases
from digest.errors import InvalidInput
from digest.ingest.unicode import without_surrogates
from digest.models import Newsletter, Subscription

FIELD_LIMIT = 64 * 1024  # bytes of one CSV field; a longer one is a bad row, not a crash
csv.field_size_limit(FIELD_LIMIT)
DELIMITERS = ",;\t"  # comma; semicolon, as Excel writes where the comma is the decimal mark; tab
# Wraps the file's lines in a context that yields them to read: a progress bar
# (click.progressbar fits), or nothing at all.
LineProgress = Callable[[Iterable[str]], AbstractContextManager[Iterable[str]]]


@dataclass
class ImportReport:
    added: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)
    # Rows imported without a topic the newsletter does not offer, by line.
    left_out_topics: list[str] = field(default_factory=list)
    pending_confirmation: list[Subscription] = field(default_factory=list)


def import_csv(
    newsletter: Newsletter,
    stream: TextIO,
    needs_confirmation: bool,
    progress: LineProgress = nullcontext,
) -> ImportReport:
    """Import rows with `email` (and optional `name`, `topics`), separated by commas, semicolons
    or tabs; bad rows (a mis-quoted one too) are reported by the line they start on, and so is
    a topic the newsletter does not offer (the row is imported without it)."""
    with progress(stream) as lines:
        return _import_rows(newsletter, _csv_rows(lines), needs_confirmation)


def _import_rows(
    newsletter: Newsletter, rows: Iterable[tuple[int, dict | csv.Error]], needs_confirmation: bool
) -> ImportReport:
    report = ImportReport()
    offered = newsletter_topics(newsletter)
    aliases = topic_aliases(newsletter, offered)
    for line, row in rows:
        try:
            subscription, is_new, unknown = _import_row(
                newsletter, offered, aliases, row, needs_confirmation
            )
        except InvalidInput as exc:
            report.errors.append(f"line {line}: {exc}")
            continue
        if unknown:
            report.left_out_topics.append(f"line {line}: {_not_offered(newsletter, unknown)}")
        report.added += is_new
        report.existing += not is_new
        if needs_confirmation and claim_confirmation(subscription):
            report.pending_confirmation.append(subscription)
    return report


def _import_row(
    newsletter: Newsletter,
    offered: list[str],
    aliases: dict[str, str],
    row: dict | csv.Error,
    needs_confirmation: bool,
) -> tuple[Subscription, bool, list[str]]:
    """The row's subscription, whether it is new, and the row's topics the newsletter lacks
    (`aliases`: a renamed section's other names, to the topic it stays)."""
    cells = _cells(row)
    topics, unknown = split_offered(offered, parse_topics(cells.get("topics")), aliases)
    name = (cells.get("name") or "").strip() or None
    email = cells.get("email") or ""
    subscription, is_new = add_subscription(newsletter, email, name, topics, not needs_confirmation)
    return subscription, is_new, unknown


def _cells(row: dict | csv.Error) -> dict:
    """The row's cells, or InvalidInput for a row that cannot be read."""
    if isinstance(row, csv.Error):
        raise InvalidInput(f"unreadable row ({row})")
    if None in row:
        raise InvalidInput("more fields than the header names")
    return row


def _not_offered(newsletter: Newsletter, topics: list[str]) -> str:
    names = ", ".join(repr(topic) for topic in topics)
    if len(topics) == 1:
        return f"topic {names} is not offered by {newsletter.title}: imported without it"
    return f"topics {names} are not offered by {newsletter.title}: imported without them"


def decode_csv(data: bytes) -> str:
    """The text of a CSV file in any common encoding: UTF-8 (with or without BOM), UTF-16 with
    a BOM, else Windows-1252 / Latin-1, which every byte sequence decodes in."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")  # a lone surrogate becomes U+FFFD
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _as_typed(row: dict) -> dict:
    """Every field as text the database accepts, whatever stream the rows came from, with the
    quote our export puts before formula-like cells taken off."""
    return {
        key: from_spreadsheet_cell(without_surrogates(value)) if isinstance(value, str) else value
        for key, value in row.items()
    }


def _csv_rows(stream: Iterable[str]) -> Iterator[tuple[int, dict | csv.Error]]:
    """Each row by the number of the line it starts on, or the error of a row that cannot be
    read; blank lines are no rows."""
    lines = _Lines(stream)
    delimiter, headers = _header(next(lines, "").removeprefix("\ufeff"))
    for line, cells in _records(lines, delimiter):
        if isinstance(cells, csv.Error):
            yield line, cells
        elif cells:
            yield line, _as_typed(_named(headers, cells))


def _named(headers: list[str], cells: list[str]) -> dict:
    """The cells by column name; cells past the header's under None, as csv.DictReader does."""
    row: dict = dict(zip(headers, cells, strict=False))
    if len(cells) > len(headers):
        row[None] = cells[len(headers) :]
    return row


def _header(line: str) -> tuple[str, list[str]]:
    """The delimiter and the column names, told by the header line alone: the delimiter that
    splits it into a column named email (with a tie, the one giving more columns, then comma).
    csv.Sniffer also weighs data rows, where names and topic lists carry commas and semicolons
    of their own; the header holds only column names, and one of them must be email."""
    found = []
    for delimiter in DELIMITERS:
        headers = _column_names(line, delimiter)
        if "email" in headers:
            found.append((delimiter, headers))
    if not found:
        raise InvalidInput(
            "the CSV needs a header row with an 'email' column", line=1, field="stream"
        )
    return max(found, key=lambda split: len(split[1]))  # the first of equals: DELIMITERS order


def _column_names(line: str, delimiter: str) -> list[str]:
    """The header's names split at the delimiter, or none if that split is not valid CSV."""
    try:
        names = next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error:  # e.g. `"email";"name"` split at commas
        return []
    return [name.strip().lower() for name in names]


def _records(lines: _Lines, delimiter: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """Each record with the number of its first line. A quote left open swallows the lines
    after it (up to the next quote, the field limit or the end), so after a record that cannot
    be read, reading goes on from the line after its first."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        first = lines.start_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            ran_on = lines.give_back_all_but_first()  # the record ran on past its first line
            yield first, csv.Error(_in_words(exc, ran_on))
            continue
        yield first, cells


def _in_words(error: csv.Error, ran_on: bool) -> str:
    """Why the csv module refused a record, said for the person who wrote the file."""
    if ran_on:
        return "a quote opened on this line never closes; the lines after it are read on their own"
    if "expected after" in str(error):
        return 'text follows a closing quote; write a quote inside a quoted field as ""'
    return str(error)


class _Lines:
    """The stream's lines, counted, for a csv reader; the lines of a record that cannot be read
    are given back to be read again."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._stream = iter(stream)
        self._given_back: deque[str] = deque()
        self._record: list[str] = []
        self.number = 0  # of the last line handed out

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._given_back.popleft() if self._given_back else next(self._stream)
        self.number += 1
        self._record.append(line)
        return line

    def start_record(self) -> int:
        """The number of the next record's first line."""
        self._record.clear()
        return self.number + 1

    def give_back_all_but_first(self) -> bool:
        """Whether the record had lines after its first; they are read again."""
        after_first = self._record[1:]
        self._given_back.extendleft(reversed(after_first))
        self.number -= len(after_first)
        return bool(after_first)
