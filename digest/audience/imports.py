"""Importing subscribers from CSV: bad rows are reported with their line numbers, never fatal."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from digest.audience.subscriptions import (
    add_subscription,
    may_receive_confirmation,
    parse_topics,
)
from digest.errors import InvalidInput
from digest.models import Newsletter, Subscription


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
        if needs_confirmation and may_receive_confirmation(subscription):
            report.pending_confirmation.append(subscription)
    return report


def _csv_rows(stream: TextIO) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(stream)
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    if "email" not in headers:
        raise InvalidInput("the CSV needs a header row with an 'email' column", line=1)
    reader.fieldnames = headers
    for row in reader:
        yield reader.line_num, row
