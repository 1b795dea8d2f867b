"""An edition pauses itself when its first deliveries bounce or complain too much.

Among the first 1,000 rows of an edition (in the order they are sent), a hard bounce is
a row with a hard-bounce event or refused for good (5xx) during the SMTP conversation;
a complaint is a row with a complaint event. The rate divides by the window's size, so
a list of 40 tolerates two hard bounces at 5% and pauses at the third.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from digest.edition import lifecycle
from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    Edition,
    EditionStatus,
    EventKind,
    Newsletter,
)

WINDOW = 1000


def window_rates(edition_id: int) -> tuple[int, int, int]:
    """(rows in the window, hard-bounced rows, complained rows) of the edition's first rows."""
    first = (
        select(Delivery.id, Delivery.status, Delivery.smtp_code)
        .where(Delivery.edition_id == edition_id)
        .order_by(Delivery.id)
        .limit(WINDOW)
        .subquery()
    )
    size = db.session.scalar(select(func.count()).select_from(first))
    hard = db.session.scalar(
        select(func.count())
        .select_from(first)
        .where(
            or_(
                first.c.id.in_(_with_event(EventKind.HARD_BOUNCE)),
                (first.c.status == DeliveryStatus.FAILED) & (first.c.smtp_code >= 500),
            )
        )
    )
    complained = db.session.scalar(
        select(func.count())
        .select_from(first)
        .where(first.c.id.in_(_with_event(EventKind.COMPLAINT)))
    )
    return size, hard, complained


def _with_event(kind: EventKind):
    return select(DeliveryEvent.delivery_id).where(
        DeliveryEvent.kind == kind, DeliveryEvent.delivery_id.is_not(None)
    )


def check_edition(edition_id: int) -> bool:
    """Pause a sending edition whose rates crossed its newsletter's thresholds; True if paused."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or edition.status is not EditionStatus.SENDING:
        return False
    size, hard, complained = window_rates(edition_id)
    if not size:
        return False
    newsletter = edition.newsletter
    for count, limit, what in (
        (hard, newsletter.pause_bounce_rate, "hard bounces"),
        (complained, newsletter.pause_complaint_rate, "complaints"),
    ):
        if count / size > limit:
            what = what.removesuffix("s") if count == 1 else what
            reason = (
                f"{count} {what} among its first {size} deliveries "
                f"({count / size:.1%}, above {limit:.1%})"
            )
            lifecycle.pause(edition, reason)
            db.session.flush()
            return True
    return False


def set_pause_thresholds(newsletter: Newsletter, bounce_rate: float, complaint_rate: float) -> None:
    """When a sending edition of the newsletter pauses itself: fractions from 0 to 1."""
    for field, rate in (("bounce_rate", bounce_rate), ("complaint_rate", complaint_rate)):
        if not 0 <= rate <= 1:
            raise InvalidInput("a threshold is a percentage from 0 to 100", field=field)
    newsletter.pause_bounce_rate, newsletter.pause_complaint_rate = bounce_rate, complaint_rate
    db.session.flush()
