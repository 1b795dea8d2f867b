"""An edition's status as editors read it: an editor's hold is "Held", a stopped send "Paused"."""

from __future__ import annotations

from dataclasses import dataclass

from digest.edition.lifecycle import is_held
from digest.models import Edition, EditionStatus


@dataclass(frozen=True)
class StatusLabel:
    """The badge (its word and its style's key) and, for a stop, who or what stopped it."""

    key: str
    word: str
    detail: str | None = None


def status_label(edition: Edition) -> StatusLabel:
    if is_held(edition):
        return StatusLabel("held", "Held", (edition.pause_reason or "").removeprefix("held "))
    if edition.status is EditionStatus.PAUSED:
        return StatusLabel("paused", "Paused", edition.pause_reason or "paused")
    status = edition.status.value
    return StatusLabel(status, status.capitalize())
