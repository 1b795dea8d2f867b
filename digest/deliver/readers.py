"""Per-reader statistics: clicks and opens that name the reader's delivery row.

Off by default; an admin turns them on per newsletter, and while they are on the mail's footer
and the reader's preferences page say so. A request names a row only while the setting is on
and the reader is still subscribed, so a link in old mail cannot tie anyone again after either
changed. Per-reader rows outlive the statistics window while the setting stays on (the window
folds everything into anonymous counts and deletes the rest); turning it off deletes them, or
makes those of still-open windows anonymous. Unsubscribing, and an admin removing the address,
delete the reader's rows (digest/audience/statistics.py).
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from sqlalchemy import delete, select, update

from digest.audience.exports import spreadsheet_cell
from digest.extensions import db
from digest.models import (
    Click,
    ClickSalt,
    Delivery,
    Edition,
    MailOpen,
    Subscriber,
    Subscription,
    SubscriptionStatus,
)


def reader_row(edition: Edition, delivery_id: int | None) -> int | None:
    """The delivery row a click or open may name: the token's, when the newsletter keeps
    per-reader statistics, the row is this edition's and its reader is still subscribed."""
    if not delivery_id or not edition.newsletter.tracks_readers:
        return None
    found = db.session.scalar(
        select(Delivery.id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(
            Delivery.id == delivery_id,
            Delivery.edition_id == edition.id,
            Subscription.status != SubscriptionStatus.UNSUBSCRIBED,
        )
    )
    return found


def forget_readers(newsletter_id: int) -> None:
    """Per-reader statistics were turned off: rows of editions whose window is still open
    count on without a reader; the rows kept past their window are deleted."""
    editions = select(Edition.id).where(Edition.newsletter_id == newsletter_id)
    open_windows = select(ClickSalt.edition_id)
    for model in (Click, MailOpen):
        named = (model.delivery_id.is_not(None), model.edition_id.in_(editions))
        db.session.execute(
            update(model)
            .where(*named, model.edition_id.in_(open_windows))
            .values(delivery_id=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(model)
            .where(*named, model.edition_id.not_in(open_windows))
            .execution_options(synchronize_session=False)
        )
    db.session.flush()


def readers_csv(edition: Edition) -> str:
    """Who opened what in one edition, from the per-reader rows: a row per reader and story
    clicked (a reader who only opened the mail has one row with no story)."""
    stories = {
        (i, j): (section.get("name") or "", story.get("title") or "", story.get("url") or "")
        for i, section in enumerate((edition.snapshot or {}).get("sections") or [])
        for j, story in enumerate(section.get("stories") or [])
    }
    who = select(Subscriber.email).join(Delivery, Delivery.subscriber_id == Subscriber.id)
    clicks = Counter(
        db.session.execute(
            who.add_columns(Click.section, Click.story)
            .join(Click, Click.delivery_id == Delivery.id)
            .where(Click.edition_id == edition.id)
        ).all()
    )
    opens = Counter(
        db.session.scalars(
            who.join(MailOpen, MailOpen.delivery_id == Delivery.id).where(
                MailOpen.edition_id == edition.id
            )
        ).all()
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "opens", "section", "title", "url", "clicks"])
    for email in sorted({email for email, _, _ in clicks} | set(opens)):
        mine = sorted((s, t, n) for (e, s, t), n in clicks.items() if e == email)
        if not mine:
            writer.writerow([spreadsheet_cell(email), opens[email], "", "", "", ""])
        for section, story, n in mine:  # a row per story clicked
            place = stories.get((section, story), ("", "", ""))
            cells = (email, opens[email], *place, n)
            writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return out.getvalue()
