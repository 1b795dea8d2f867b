"""Per-reader story links and open pixels, signed per message without rendering it again.

With per-reader statistics a mail's tracked links name its delivery row, so they differ per
recipient. The edition is still compiled once: its links carry a stand-in delivery row
(SENTINEL, the widest a token holds, so the size budget of the compiled HTML stays true), and
each MessageTemplate cuts its bodies at those stand-in tokens into fields of their own. A
message then costs one HMAC per link it shows, as the unsubscribe link costs one.
"""

from __future__ import annotations

import re

from digest.links import (
    click_token,
    fast_signer,
    open_token,
    page_url,
    read_click_token,
    read_open_token,
)
from digest.render.personal import FieldTemplate
from digest.settings import LinkSettings

SENTINEL = 10**12 - 1
# A stand-in token after /c/ or /o/: its value (digits and dashes) ends in the sentinel row.
STAND_IN = re.compile(r"/([co])/((?:\d+-){1,4})" + str(SENTINEL) + r"(\.[A-Za-z0-9_-]+)")


class ReaderLinks:
    """Stand-in URLs for compiling, and each recipient's own tokens for sending."""

    def __init__(self, links: LinkSettings) -> None:
        self.links = links
        self._sign = {"c": fast_signer(links, "click"), "o": fast_signer(links, "open")}

    def click_url(self, edition_id: int, section: int, story: int, variant: int = 0) -> str:
        """The stand-in link of a story, to be replaced per recipient."""
        token = click_token(self.links, edition_id, section, story, variant, SENTINEL)
        return page_url(self.links.base_url, "click", token=token)

    def open_url(self, edition_id: int, variant: int = 0) -> str:
        """The stand-in open pixel, to be replaced per recipient."""
        token = open_token(self.links, edition_id, variant, SENTINEL)
        return page_url(self.links.base_url, "open", token=token)

    def split(self, template: FieldTemplate) -> FieldTemplate:
        """The template with every stand-in token cut out as a field ("c:" or "o:" and the
        token's value up to the delivery row)."""
        literals: list[str] = []
        fields: list[str] = []
        carried = ""
        for i, literal in enumerate(template.literals):
            pieces = self._cut(literal)
            carried += pieces[0]
            for field, text in zip(pieces[1::2], pieces[2::2], strict=True):
                literals.append(carried)
                fields.append(field)
                carried = text
            if i < len(template.fields):
                literals.append(carried)
                fields.append(template.fields[i])
                carried = ""
        literals.append(carried)
        return FieldTemplate(tuple(literals), tuple(fields))

    def _cut(self, text: str) -> list[str]:
        """text, field, text, ...: cut at each genuine stand-in (its signature checked)."""
        pieces, start = [], 0
        for found in STAND_IN.finditer(text):
            kind, value, signature = found.groups()
            token = f"{value}{SENTINEL}{signature}"
            reader = read_click_token if kind == "c" else read_open_token
            named = reader(self.links, token)
            if named is None or named.delivery_id != SENTINEL:
                continue
            begin = found.start(2)
            pieces += [text[start:begin], f"{kind}:{value}"]
            start = found.end()
        pieces.append(text[start:])
        return pieces

    def values(self, fields: list[str], delivery_id: int) -> dict[str, str]:
        """Each reader field's token for this delivery row."""
        return {field: self._sign[field[0]](f"{field[2:]}{delivery_id}") for field in fields}

    @staticmethod
    def is_reader_field(field: str) -> bool:
        return field[:2] in ("c:", "o:")
