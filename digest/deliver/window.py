"""An edition's statistics window: the secret that tells visitors apart while it is open.

Clicks and opens share it. It is made on the first request after release, and destroyed when
the window closes (`click_window_days` after release), after which no stored hash can be tied
to anyone. Many first requests at once all read the one secret that was made (insert unless
there is one, then read): none fails, none is lost.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from digest.extensions import db
from digest.models import ClickSalt, ClickTotal, Edition


def window_salt(edition: Edition, now: datetime) -> str | None:
    """The edition's salt while its window is open; None once it closed."""
    salt = db.session.get(ClickSalt, edition.id)
    if salt is not None:
        return salt.salt if now < salt.closes_at else None
    released = edition.released_at or now
    closes_at = released + timedelta(days=edition.newsletter.click_window_days)
    return open_window(edition.id, closes_at, now)


def open_window(edition_id: int, closes_at: datetime, now: datetime) -> str | None:
    """The salt of an edition that has none yet, made now; None when its window is over."""
    has_totals = db.session.scalar(
        select(ClickTotal.edition_id).where(ClickTotal.edition_id == edition_id).limit(1)
    )
    if now >= closes_at or has_totals is not None:
        return None
    dialect = db.session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {"edition_id": edition_id, "salt": secrets.token_hex(32), "closes_at": closes_at}
    db.session.execute(
        upsert(ClickSalt).values(**values).on_conflict_do_nothing(index_elements=["edition_id"])
    )
    return db.session.scalar(select(ClickSalt.salt).where(ClickSalt.edition_id == edition_id))


def visitor_hash(salt: str, ip: str | None, user_agent: str | None) -> str:
    """Who, as a hash of the IP address and agent salted with the edition's secret."""
    seen = f"{salt}\0{ip or ''}\0{user_agent or ''}"
    return hashlib.sha256(seen.encode("utf-8", "replace")).hexdigest()[:32]
