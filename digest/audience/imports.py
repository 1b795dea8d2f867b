"""Importing subscribers from CSV: bad rows are reported with their line numbers, never fatal."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from digest.audience.subscriptions import (
    add_subscription,
    claim_confirmation,
    parse_topics,
)
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
    pending_confirmation: list[Subscription] = field(default_factory=list)


def import_csv(newsletter: Newsletter, stream: TextIO, needs_confirmation: bool) -> ImportReport:
    """Import rows with `email` (and optional `name`, `topics`); bad rows are reported by line."""
    report = ImportReport()
    for line, row in _csv_rows(stream):
        try:
            if isinstance(row, csv.Error):
                raise InvalidInput(f"unreadable row ({row})")
            if None in row:
                raise InvalidInput("more fields than the header names")
            subscription, is_new = add_subscription(
                newsletter,
                row.get("email") or "",
                (row.get("name") or "").strip() or None,
                parse_topics(row.get("topics")),
                not needs_confirmation,
            )
        except InvalidInput as exc:
            report.errors.append(f"line {line}: {exc}")
            continue
        report.added += is_new
        report.existing += not is_new
        if needs_confirmation and claim_confirmation(subscription):
            report.pending_confirmation.append(subscription)
    return report


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


def _without_surrogates(row: dict) -> dict:
    """Every field as text the database accepts, whatever stream the rows came from."""
    return {
        key: without_surrogates(value) if isinstance(value, str) else value
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
        yield reader.line_num, _without_surrogates(row)
