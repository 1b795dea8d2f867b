"""Delivery progress for people: the ledger's counts, read on a connection of its own."""

from __future__ import annotations

from digest.deliver import ledger
from digest.extensions import db


def counts_of(edition_id: int) -> dict[str, int]:
    """Rows per status (see ledger.delivery_counts), as committed: read on a fresh connection,
    so the caller's session (and what it has loaded) is left alone."""
    with db.engine.connect() as connection:
        return ledger.delivery_counts(connection, edition_id)
