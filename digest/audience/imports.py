"""Importing subscribers from CSV: bad rows are reported with their line numbers, never fatal."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from digest.audience.exports import from_spreadsheet_cell
from digest.audience.subscriptions import (
    add_subscription,
    claim_confirmation,
    parse_topics,
)
from digest.audience.topics import newsletter_topics, split_offered
from digest.errors import InvalidInput
from digest.ingest.unicode import without_surrogates
from digest.models import Newsletter, Subscription

FIELD_LIMIT = 64 * 1024  # bytes of one CSV field; a longer one is a bad row, not a crash
csv.field_size_limit(FIELD_LIMIT)


@dataclass
class ImportReport:
    added: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)
    # Rows imported without a topic the newsletter does not offer, by line.
    left_out_topics: list[str] = field(default_factory=list)
    pending_confirmation: list[Subscription] = field(default_factory=list)


def import_csv(newsletter: Newsletter, stream: TextIO, needs_confirmation: bool) -> ImportReport:
    """Import rows with `email` (and optional `name`, `topics`); bad rows are reported by line,
    and so is a topic the newsletter does not offer (the row is imported without it)."""
    report = ImportReport()
    offered = newsletter_topics(newsletter)
    for line, row in _csv_rows(stream):
        try:
            subscription, is_new, unknown = _import_row(
                newsletter, offered, row, needs_confirmation
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
    newsletter: Newsletter, offered: list[str], row: dict | csv.Error, needs_confirmation: bool
) -> tuple[Subscription, bool, list[str]]:
    """The row's subscription, whether it is new, and the row's topics the newsletter lacks."""
    cells = _cells(row)
    topics, unknown = split_offered(offered, parse_topics(cells.get("topics")))
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


def _csv_rows(stream: TextIO) -> Iterator[tuple[int, dict | csv.Error]]:
    reader = csv.DictReader(stream)
    try:
        headers = [h.strip().lower() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise InvalidInput(f"the header row cannot be read: {exc}", line=1) from None
    if "email" not in headers:
        raise InvalidInput("the CSV needs a header row with an 'email' column", line=1)
    reader.fieldnames = headers
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the size limit: report it, go on
            yield reader.line_num + 1, exc  # the count stops before the line that failed
            continue
        yield reader.line_num, _as_typed(row)
