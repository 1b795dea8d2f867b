"""One logging setup for every digest process: web, CLI, scheduler, worker and inbound.

`configure_logging` puts one handler on the root logger (a second call updates it, so it
is safe to call from every app the process makes) writing one line per record to stderr,
as text or as a JSON object:

    2026-12-03T06:10:00Z INFO digest.edition.lifecycle newsletter=1 edition=12 sending -> sent
    {"time": "2026-12-03T06:10:00.123Z", "level": "INFO", "logger": "digest.edition.lifecycle",
     "message": "sending -> sent", "newsletter": 1, "edition": 12}

A record names what it concerns with fields from FIELDS, given as `extra={"edition": 12}`
or by `log_context(...)`, whose fields every line logged inside it carries (a request's
id, a job's name). Only those fields are written: nothing else a library attaches to a
record reaches a line.

No secret reaches a line: the values given as `secrets` are masked wherever they appear
(a traceback, a third party's message), the token of a signed link is cut from any URL or
path (`/unsubscribe/…`), and the loggers that trace a wire protocol (SMTP lines with AUTH
and message bodies, SQL parameters, HTTP request lines) are held at a level where they
do not. Only the standard library is imported here: a JSON line is one `json.dumps` of
strings already redacted, which a JSON logging library would not make shorter.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import TextIO

__all__ = [
    "FIELDS",
    "FORMATS",
    "LEVELS",
    "bind_context",
    "configure_logging",
    "log_context",
    "unbind_context",
]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
# What a line may say it concerns, in the order text lines show them.
FIELDS = ("request", "job", "newsletter", "edition", "source", "delivery", "mail")
# Loggers held at or above a level whatever DIGEST_LOG_LEVEL says.
FLOORS = {
    "mail.log": logging.WARNING,  # aiosmtpd: every SMTP line (AUTH, signed addresses, bodies)
    "dkimpy": logging.WARNING,  # the headers and body of each message as it is signed
    "sqlalchemy.engine": logging.WARNING,  # SQL statements with their parameters
    "urllib3": logging.INFO,  # request lines with their query strings (a feed's key)
    # A line per job added, per start and stop, two per run of every job (the scheduler's
    # ten-second jobs filled a log with them); a missed run or a job's error is a warning or
    # worse and still shows, and our jobs log their own outcome.
    "apscheduler": logging.WARNING,
    "flufl.bounce": logging.WARNING,  # a line per detector tried on every returned mail
    "alembic.runtime.plugins": logging.WARNING,  # a line per plugin whenever Alembic loads
}
MASK = "[redacted]"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # all but the tab
_MIN_SECRET = 6  # a shorter value would mask ordinary words, and is no secret anyway

_NONE: Mapping[str, object] = MappingProxyType({})
_context: ContextVar[Mapping[str, object]] = ContextVar("digest_log_context", default=_NONE)


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Every line logged inside carries these fields (one of FIELDS each) unless it names its
    own; contexts nest. A new thread starts without them (see `contextvars.copy_context`)."""
    token = bind_context(**fields)
    try:
        yield
    finally:
        unbind_context(token)


def bind_context(**fields: object) -> Token:
    """`log_context` for a span that is not one block (a web request, from start to teardown)."""
    return _context.set({**_context.get(), **fields})


def unbind_context(token: Token) -> None:
    _context.reset(token)


def configure_logging(
    level: str = "INFO",
    fmt: str = "text",
    secrets: Iterable[str] = (),
    token_paths: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Set up this process's logging; safe to call again (the handler is updated, not added).

    `secrets` are values never to show; `token_paths` are the path prefixes whose next
    segment is a token (`/unsubscribe/`). `stream` defaults to the process's own stderr
    (`sys.__stderr__`), not whatever `sys.stderr` is swapped for at the time of the call.
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, DigestHandler)), None)
    if handler is None:
        handler = DigestHandler(stream or sys.__stderr__ or sys.stderr)
        root.addHandler(handler)
    elif stream is not None:
        handler.setStream(stream)
    handler.setFormatter(LineFormatter(fmt, Redactor(secrets, token_paths)))
    root.setLevel(level)
    for name, floor in FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))


class DigestHandler(logging.StreamHandler):
    """The handler configure_logging owns: how a second call finds it."""


class Redactor:
    """Masks known secret values and the token segment of signed-link paths in a line."""

    def __init__(self, secrets: Iterable[str], token_paths: Iterable[str]) -> None:
        kept = {s for s in secrets if s and len(s) >= _MIN_SECRET}
        self.secrets = sorted(kept, key=len, reverse=True)  # a longer one may contain another
        prefixes = "|".join(re.escape(p.rstrip("/") + "/") for p in sorted(set(token_paths)))
        self.tokens = re.compile(rf"({prefixes})[^/\s?#\"'<>]+") if prefixes else None

    def __call__(self, line: str) -> str:
        for secret in self.secrets:
            if secret in line:
                line = line.replace(secret, MASK)
        return self.tokens.sub(r"\1…", line) if self.tokens else line


class LineFormatter(logging.Formatter):
    """One record, one line (a traceback follows a text line, indented), with every string
    redacted before it is quoted or escaped."""

    def __init__(self, fmt: str, redact: Redactor) -> None:
        super().__init__()
        self.is_json = fmt == "json"
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        message = self.redact(record.getMessage())
        fields = {k: v if _is_number(v) else self.redact(str(v)) for k, v in fields_of(record)}
        trace = self.redact(self.trace_of(record)) if record.exc_info or record.stack_info else ""
        if self.is_json:
            return json_line(record, message, fields, trace)
        return text_line(record, message, fields, trace)

    def trace_of(self, record: logging.LogRecord) -> str:
        parts = [self.formatException(record.exc_info) if record.exc_info else ""]
        parts.append(self.formatStack(record.stack_info) if record.stack_info else "")
        return "\n".join(filter(None, parts))


def fields_of(record: logging.LogRecord) -> list[tuple[str, object]]:
    """The record's own fields over those of the context it was logged in, in FIELDS order."""
    context = _context.get()
    found = ((name, getattr(record, name, context.get(name))) for name in FIELDS)
    return [(name, value) for name, value in found if value is not None]


def text_line(
    record: logging.LogRecord, message: str, fields: dict[str, object], trace: str
) -> str:
    moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
    said = " ".join(f"{name}={_text_value(value)}" for name, value in fields.items())
    head = " ".join(filter(None, [moment, record.levelname, record.name, said]))
    line = f"{head} {_one_line(message)}"
    if trace:
        line += "\n" + "\n".join(f"    {part}" for part in trace.splitlines())
    return line


def json_line(
    record: logging.LogRecord, message: str, fields: dict[str, object], trace: str
) -> str:
    moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    entry: dict[str, object] = {
        "time": f"{moment}.{int(record.msecs):03d}Z",
        "level": record.levelname,
        "logger": record.name,
        "message": message,
        **fields,
    }
    if trace:
        entry["exception"] = trace
    return json.dumps(entry, ensure_ascii=False, default=str)


def _text_value(value: object) -> str:
    text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _one_line(message: str) -> str:
    """A message quoting outside text (a source's error, a bounce's reason) stays one line,
    with no control character to play tricks on a terminal: they are written escaped."""
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), message)
