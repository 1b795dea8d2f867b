"""Logs in tests: everything the root logger emits through digest's setup, in a string, and
the lines of it that name a subject (`edition=12` in text, `"edition": 12` in JSON)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from digest.logs import DigestHandler, configure_logging


@contextmanager
def captured_logs(level: str = "DEBUG", fmt: str = "text") -> Iterator[io.StringIO]:
    """A fresh setup writing to a string, as a process starting now would have; an app made
    inside updates it (its level, format, secrets). The setup before comes back after."""
    root = logging.getLogger()
    before, level_before = list(root.handlers), root.level
    for handler in before:
        if isinstance(handler, DigestHandler):
            root.removeHandler(handler)
    stream = io.StringIO()
    configure_logging(level, fmt, stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = before
        root.setLevel(level_before)


def records_of(logged: str, fmt: str) -> list[dict]:
    """Each line as a dict: JSON lines parsed, text lines as {"line": ...} (tracebacks,
    indented, belong to the line above)."""
    lines = [line for line in logged.splitlines() if line]
    if fmt == "json":
        return [json.loads(line) for line in lines]
    return [{"line": line} for line in lines if not line.startswith(" ")]


def find(records: list[dict], fmt: str, text: str, **fields: object) -> dict | None:
    """The first record whose message has `text` and that names every field given."""
    for record in records:
        if fmt == "json":
            named = all(record.get(name) == value for name, value in fields.items())
            if named and text in record["message"]:
                return record
        else:
            line = record["line"]
            if text in line and all(f" {k}={v} " in line for k, v in fields.items()):
                return record
    return None
