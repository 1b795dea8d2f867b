"""Render step: a frozen edition snapshot in, an email's HTML and text out.

Pure: no database, no Flask, nothing else from digest. Compile once per edition
(or once per distinct topic set), then personalise per subscriber by string
filling. The snapshot format is documented in digest.render.snapshot.
"""

from digest.render.compiler import (
    CompiledEdition,
    compile_edition,
    compile_for_topics,
)
from digest.render.fitting import EditionTooLarge
from digest.render.headers import clean_header_text
from digest.render.personal import (
    FIELD_BYTE_LIMITS,
    Recipient,
    RecipientFieldTooLong,
    RecipientURLInvalid,
    RenderedMessage,
    WebReader,
    escape_values,
    recipient_values,
)
from digest.render.snapshot import (
    EditionView,
    SectionView,
    SnapshotError,
    StoryView,
    parse_snapshot,
)
from digest.render.topics import select_topics, topics_without_stories

__all__ = [
    "FIELD_BYTE_LIMITS",
    "CompiledEdition",
    "EditionTooLarge",
    "EditionView",
    "Recipient",
    "RecipientFieldTooLong",
    "RecipientURLInvalid",
    "RenderedMessage",
    "SectionView",
    "SnapshotError",
    "StoryView",
    "WebReader",
    "clean_header_text",
    "compile_edition",
    "compile_for_topics",
    "parse_snapshot",
    "personalise",
    "select_topics",
    "topics_without_stories",
]


def personalise(compiled: CompiledEdition, recipient: Recipient) -> RenderedMessage:
    """Fill one subscriber's fields into a compiled edition; never re-renders."""
    values = recipient_values(recipient, compiled.default_view_url)
    return RenderedMessage(
        html=compiled.html_template.fill(escape_values(values)),
        text=compiled.text_template.fill(values),
        subject=compiled.subject,
    )
