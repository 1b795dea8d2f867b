"""Past and current editions with their delivery counts, read in one query for the editor's list;
the released editions an admin may pick from."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from digest.extensions import db
from digest.models import Delivery, DeliveryStatus, Edition, Subscription

COUNTED = ("sent", "retrying", "pending", "failed", "skipped")


@dataclass
class EditionRow:
    edition: Edition
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    unsubscribes: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def edition_rows(limit: int = 50) -> list[EditionRow]:
    """The latest editions, newest first, each with its ledger counts and unsubscribes since."""
    editions = db.session.scalars(select(Edition).order_by(Edition.created_at.desc()).limit(limit))
    rows = {edition.id: EditionRow(edition) for edition in editions}
    if not rows:
        return []
    retrying = Delivery.last_error.is_not(None) & (Delivery.status == DeliveryStatus.PENDING)
    counted = db.session.execute(
        select(Delivery.edition_id, Delivery.status, retrying, func.count())
        .where(Delivery.edition_id.in_(rows))
        .group_by(Delivery.edition_id, Delivery.status, retrying)
    )
    for edition_id, status, is_retrying, count in counted:
        rows[edition_id].counts["retrying" if is_retrying else status.value] += count
    for row in rows.values():
        row.unsubscribes = unsubscribes_since(row.edition)
    return list(rows.values())


def unsubscribes_since(edition: Edition) -> int:
    """Readers of the newsletter who unsubscribed after the edition went out (0 before)."""
    if edition.released_at is None:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Subscription)
        .where(
            Subscription.newsletter_id == edition.newsletter_id,
            Subscription.unsubscribed_at >= edition.released_at,
        )
    )


def released_editions(limit: int = 20) -> list[Edition]:
    """The latest released editions, newest first."""
    query = select(Edition).where(Edition.released_at.is_not(None)).order_by(Edition.id.desc())
    return list(db.session.scalars(query.limit(limit)))
