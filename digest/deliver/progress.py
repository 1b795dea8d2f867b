"""Delivery progress for people: the ledger's counts, read on a connection of its own."""

from __future__ import annotations

from digest.deliver import ledger
from digest.extensions import db


def counts_of(edition_id: int) -> dict[str, int]:
    """Rows per status (see ledger.delivery_counts), after the caller's transaction ends."""
    db.session.rollback()
    with db.engine.connect() as connection:
        return ledger.delivery_counts(connection, edition_id)
