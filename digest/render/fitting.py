"""Keeping the compiled HTML under Gmail's clipping limit without recompiling.

The MJML template brackets every section and story with marker comments. After
the single MJML compile the HTML is cut at those markers into chunks whose byte
sizes are exact, so dropping a story is a subtraction, and the final HTML is the
kept chunks joined. Each story's chunk is a run of whole table rows inside its
section's column, and each section's chunks are whole body-level blocks, so
removing them leaves balanced markup.

Stories are dropped least important first: a section's lead story outranks every
section's second story, so the edition keeps its breadth as it shrinks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup

from digest.errors import RenderError
from digest.render.personal import FIELD_BYTE_LIMITS, FIELD_NAMES, Placeholders


class EditionTooLarge(RenderError):
    """Even with every story dropped the HTML would not fit the byte budget."""

    def __init__(self, size: int, budget: int):
        super().__init__(f"edition HTML needs {size} bytes without stories; budget {budget}")
        self.size = size
        self.budget = budget


@dataclass(frozen=True)
class Markers:
    """Comment markers that delimit sections, stories and the 'more' block."""

    prefix: str

    def section_start(self, section: int) -> Markup:
        """Marks the start of a section's block."""
        return self._comment(f"B{section}")

    def story(self, section: int, story: int) -> Markup:
        """Marks the start of one story's rows."""
        return self._comment(f"S{section}.{story}")

    def section_end(self, section: int) -> Markup:
        """Marks the close of a section's block, after its last story."""
        return self._comment(f"E{section}")

    def more(self) -> Markup:
        """Marks the start of the 'more on the web' block."""
        return self._comment("M")

    def footer(self) -> Markup:
        """Marks the end of the 'more' block."""
        return self._comment("F")

    def _comment(self, label: str) -> Markup:
        return Markup(f"<!--{self.prefix}:{label}-->")

    def pattern(self) -> re.Pattern[str]:
        """Matches any marker; group 1 is its label."""
        return re.compile(f"<!--{re.escape(self.prefix)}:([A-Z][0-9.]*)-->")


@dataclass(frozen=True)
class Fitting:
    """Which stories stay, and the HTML made of the kept chunks."""

    kept: set[tuple[int, int]]
    dropped: int
    html: str
    worst_case_bytes: int


@dataclass
class _Chunks:
    head: str
    blocks: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def size(self, label: str) -> int:
        return len(self.blocks[label].encode())

    def stories(self) -> list[str]:
        """Story labels in document order."""
        return [label for label in self.order if label.startswith("S")]

    def size_without(self, label: str) -> int:
        """Bytes of the head and every chunk but one, markers excluded."""
        whole = len(self.head.encode()) + sum(len(b.encode()) for b in self.blocks.values())
        return whole - self.size(label)


def fit_html(
    html: str, markers: Markers, placeholders: Placeholders, more_label: str, budget: int
) -> Fitting:
    """Drop the least important stories until the worst-case HTML fits budget bytes."""
    chunks = _split(html, markers)
    base = chunks.size_without("M") + _placeholder_growth(html, placeholders)
    more_cost = chunks.size("M") + len(more_label.encode())
    dropped, emptied, total = _choose_drops(chunks, base, more_cost, budget)
    if total > budget:
        raise EditionTooLarge(total, budget)
    gone = set(dropped) | {f"{kind}{section}" for section in emptied for kind in "BE"}
    if not dropped:
        gone.add("M")
    kept_html = chunks.head + "".join(chunks.blocks[x] for x in chunks.order if x not in gone)
    kept = {_position(label) for label in chunks.stories() if label not in gone}
    return Fitting(kept=kept, dropped=len(dropped), html=kept_html, worst_case_bytes=total)


def _choose_drops(
    chunks: _Chunks, total: int, more_cost: int, budget: int
) -> tuple[list[str], set[str], int]:
    """Story labels to drop, sections left empty, and the resulting worst-case size."""
    remaining = Counter(_section_of(label) for label in chunks.stories())
    dropped: list[str] = []
    for label in sorted(chunks.stories(), key=_importance, reverse=True):
        if total <= budget:
            break
        if not dropped:
            total += more_cost
        dropped.append(label)
        section = _section_of(label)
        remaining[section] -= 1
        total -= chunks.size(label)
        if remaining[section] == 0:
            total -= chunks.size(f"B{section}") + chunks.size(f"E{section}")
    emptied = {section for section, count in remaining.items() if count == 0}
    return dropped, emptied, total


def _section_of(label: str) -> str:
    return label[1:].split(".")[0]


def _position(label: str) -> tuple[int, int]:
    section, story = label[1:].split(".")
    return int(section), int(story)


def _importance(label: str) -> tuple[int, int]:
    section, story = _position(label)
    return story, section


def _split(html: str, markers: Markers) -> _Chunks:
    pieces = markers.pattern().split(html)
    chunks = _Chunks(head=pieces[0])
    for label, body in zip(pieces[1::2], pieces[2::2], strict=True):
        chunks.blocks[label] = body
        chunks.order.append(label)
    return chunks


def _placeholder_growth(html: str, placeholders: Placeholders) -> int:
    """Bytes the personal fields may add once every one holds its largest value."""
    growth = 0
    for name in FIELD_NAMES:
        token = placeholders.token(name)
        growth += html.count(token) * (FIELD_BYTE_LIMITS[name] - len(token))
    return growth
