"""The edition step: selecting items, the editor's overrides, the frozen snapshot."""

from digest.edition.build import build_edition, next_slot_edition
from digest.edition.snapshot import make_snapshot

__all__ = ["build_edition", "make_snapshot", "next_slot_edition"]
