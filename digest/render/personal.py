"""Per-subscriber fields: placeholders at compile time, string filling at send time.

An edition is compiled once with a random token standing in for each personal
field; personalise() then only joins pre-split segments with the recipient's
values, so sending to a long list never re-runs Jinja or MJML.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from html import escape

from digest.errors import RecipientRejected
from digest.render.headers import clean_header_text

FIELD_NAMES = ("name", "email", "unsubscribe_url", "preferences_url", "view_url")

# Upper bound, in UTF-8 bytes of the HTML-escaped value, for each personal field.
# compile_edition() budgets these worst cases so no recipient pushes the HTML past
# the clipping limit; personalise() enforces them.
FIELD_BYTE_LIMITS = {
    "name": 400,
    "email": 400,
    "unsubscribe_url": 1024,
    "preferences_url": 1024,
    "view_url": 1024,
}

FALLBACK_NAME = "there"


class RecipientFieldTooLong(RecipientRejected):
    """A recipient's field would not fit the space the compiled edition reserved."""

    def __init__(self, field: str, size: int, limit: int):
        super().__init__(f"recipient {field} is {size} bytes once escaped; the limit is {limit}")
        self.field = field
        self.size = size
        self.limit = limit


class RecipientURLInvalid(RecipientRejected):
    """A recipient's link is not an absolute http(s) URL."""

    def __init__(self, field: str, url: str):
        super().__init__(f"recipient {field} is not an http(s) URL: {url!r}")
        self.field = field
        self.url = url


@dataclass(frozen=True)
class Recipient:
    """The per-subscriber values an edition is personalised with."""

    email: str
    unsubscribe_url: str
    preferences_url: str
    name: str | None = None
    view_url: str | None = None


@dataclass(frozen=True)
class WebReader:
    """The web archive's reader (and a preview's): nobody's address and no personal links;
    the footer says it is the archive and offers a subscribe link instead."""

    subscribe_url: str
    # An editor's preview or test: greets the sample reader by name, as their email would.
    greets_reader: bool = False


@dataclass(frozen=True)
class RenderedMessage:
    """One subscriber's email: both bodies and the header-safe subject."""

    html: str
    text: str
    subject: str


@dataclass(frozen=True)
class Placeholders:
    """Random tokens, one per personal field, that cannot occur in edition content."""

    prefix: str

    @classmethod
    def unused_in(cls, content: str) -> Placeholders:
        """Draw a fresh prefix that does not occur anywhere in content."""
        while True:
            prefix = f"zz{secrets.token_hex(10)}"
            if prefix not in content:
                return cls(prefix)

    def token(self, field: str) -> str:
        """The stand-in for one field, made of letters, digits and underscores only."""
        return f"{self.prefix}_{field}_"

    def as_dict(self) -> dict[str, str]:
        """Field name to token, for templates."""
        return {field: self.token(field) for field in FIELD_NAMES}


@dataclass(frozen=True)
class FieldTemplate:
    """A document split around its placeholders: literals[0], field[0], literals[1], ..."""

    literals: tuple[str, ...]
    fields: tuple[str, ...]

    @classmethod
    def split(cls, document: str, placeholders: Placeholders) -> FieldTemplate:
        """Cut document at every placeholder token."""
        pattern = re.compile(re.escape(placeholders.prefix) + "_(" + "|".join(FIELD_NAMES) + ")_")
        pieces = pattern.split(document)
        return cls(tuple(pieces[0::2]), tuple(pieces[1::2]))

    def fill(self, values: dict[str, str]) -> str:
        """Join the literals with the values of their fields."""
        out = [""] * (2 * len(self.literals) - 1)
        out[0::2] = self.literals
        out[1::2] = [values[field] for field in self.fields]
        return "".join(out)


def recipient_values(recipient: Recipient, default_view_url: str) -> dict[str, str]:
    """The raw text value of each field for one recipient."""
    for field in ("unsubscribe_url", "preferences_url", "view_url"):
        url = getattr(recipient, field)
        if url is not None and not url.startswith(("https://", "http://")):
            raise RecipientURLInvalid(field, url)
    return {
        "name": clean_header_text(recipient.name or "") or FALLBACK_NAME,
        "email": clean_header_text(recipient.email),
        "unsubscribe_url": recipient.unsubscribe_url,
        "preferences_url": recipient.preferences_url,
        "view_url": recipient.view_url or default_view_url,
    }


def escape_values(values: dict[str, str]) -> dict[str, str]:
    """HTML- and attribute-escape each value, holding it to its byte limit."""
    escaped = {}
    for field, value in values.items():
        safe = escape(value, quote=True)
        limit = FIELD_BYTE_LIMITS[field]
        if len(safe.encode()) > limit:
            if field != "name":
                raise RecipientFieldTooLong(field, len(safe.encode()), limit)
            # A character escapes to at most 6 bytes ("&quot;"); the ellipsis is 3.
            safe = escape(value[: (limit - 3) // 6], quote=True) + "…"
        escaped[field] = safe
    return escaped
