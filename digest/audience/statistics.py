"""What per-reader statistics hold about a reader, deleted when she leaves.

A newsletter that keeps per-reader statistics stores clicks and opens naming the reader's
delivery row (digest/deliver/readers.py). Unsubscribing, and an admin removing the address,
delete them; the anonymous counts of closed windows stay, since they name nobody.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from digest.extensions import db
from digest.models import Click, Delivery, MailOpen, Subscription


def forget_reader(subscription: Subscription) -> None:
    """Delete the clicks and opens that name any delivery row of this subscription."""
    rows = select(Delivery.id).where(Delivery.subscription_id == subscription.id)
    for model in (Click, MailOpen):
        db.session.execute(
            delete(model)
            .where(model.delivery_id.in_(rows))
            .execution_options(synchronize_session=False)
        )
