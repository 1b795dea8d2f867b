"""Numbers from URLs: an id in a path or a query is refused before it reaches the database.

Every id is an SQL INTEGER column (32 bits on PostgreSQL), so a larger number names nothing:
in a path it is a 404, in a query or form a 400, never an overflow deep in the database.
"""

from __future__ import annotations

from flask import Flask, abort
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Map

ID_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits from 0 to ID_MAX, otherwise no match (404)."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, **kwargs) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, fixed_digits, min, **kwargs)


def register(app: Flask) -> None:
    """Make `<int:...>` bounded; call before any rule is added."""
    app.url_map.converters["int"] = IdConverter


def id_arg(values: MultiDict[str, str], name: str) -> int | None:
    """An id from a query or form: None when absent or empty, 400 when it names no possible id."""
    text = values.get(name, "")
    if not text:
        return None
    if not is_id(text):
        abort(400, f"{name} must be a whole number from 0 to {ID_MAX}.")
    return int(text)


def is_id(text: str) -> bool:
    """Whether the text is a number an id may have (digits, at most ID_MAX)."""
    digits = text.lstrip("0")
    return text.isascii() and text.isdigit() and len(digits) <= 10 and int(digits or 0) <= ID_MAX
