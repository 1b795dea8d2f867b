"""Opens, counted by a 1x1 image in the HTML part: off unless an admin turns them on.

A mail client that shows images asks /o/<token> for the pixel; the token names the edition,
the subject line the mail carried and, with per-reader statistics, the delivery row. Opens are
counted as clicks are (digest/deliver/clicks.py): while the edition's window is open, a hash of
who salted with the edition's secret, never the IP or the agent; folded into counts when it
closes. They are reported as machine-inflated: Apple Mail Privacy Protection loads every image
of every message on Apple's servers, opened or not, and some gateways and clients fetch them too,
while other clients load no image at all. A trend between editions, never a count of readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from digest.deliver.window import visitor_hash, window_salt
from digest.extensions import db
from digest.models import Edition, MailOpen, OpenTotal, utcnow

# GIF89a, 1x1, one transparent pixel: the smallest image every mail client shows.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
MACHINE_INFLATED = (
    "Machine-inflated: Apple Mail Privacy Protection loads every image of every message, "
    "opened or not, and some clients load none; compare editions, do not count readers."
)


@dataclass(frozen=True)
class EditionOpens:
    """An edition's loads of its open pixel, and how many different visitors loaded it."""

    opens: int
    unique_openers: int

    def as_json(self) -> dict:
        return {
            "opens": self.opens,
            "unique_openers": self.unique_openers,
            "machine_inflated": True,
            "note": MACHINE_INFLATED,
        }


def record_open(
    edition: Edition,
    variant: int,
    *,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
    delivery_id: int | None = None,
) -> None:
    """Store one load of the pixel while the edition's window is open (nothing once it closed)."""
    now = now or utcnow()
    salt = window_salt(edition, now)
    if salt is None:
        return
    visitor = visitor_hash(salt, ip, user_agent)
    db.session.add(
        MailOpen(
            edition_id=edition.id,
            variant=variant,
            visitor=visitor,
            at=now,
            delivery_id=delivery_id,
        )
    )
    db.session.flush()


def edition_opens(edition: Edition) -> EditionOpens | None:
    """The edition's opens; None when it never counted any (open tracking was off)."""
    totals = db.session.execute(
        select(func.sum(OpenTotal.opens), func.sum(OpenTotal.unique_openers)).where(
            OpenTotal.edition_id == edition.id
        )
    ).one()
    if totals[0] is not None:
        return EditionOpens(totals[0], totals[1])
    opens, unique = _counted(edition.id)
    if not opens and not edition.newsletter.tracks_opens:
        return None
    return EditionOpens(opens, unique)


def _counted(edition_id: int, variant: int | None = None) -> tuple[int, int]:
    query = select(func.count(), func.count(MailOpen.visitor.distinct())).where(
        MailOpen.edition_id == edition_id
    )
    if variant is not None:
        query = query.where(MailOpen.variant == variant)
    opens, unique = db.session.execute(query).one()
    return opens or 0, unique or 0


def fold_opens(edition: Edition) -> None:
    """When the window closes: counts per subject line, then the opens go (the per-reader
    ones stay while the newsletter keeps per-reader statistics)."""
    variants = db.session.scalars(
        select(MailOpen.variant).where(MailOpen.edition_id == edition.id).distinct()
    ).all()
    for variant in variants:
        opens, unique = _counted(edition.id, variant)
        db.session.add(
            OpenTotal(edition_id=edition.id, variant=variant, opens=opens, unique_openers=unique)
        )
    gone = delete(MailOpen).where(MailOpen.edition_id == edition.id)
    if edition.newsletter.tracks_readers:
        gone = gone.where(MailOpen.delivery_id.is_(None))
    db.session.execute(gone)
