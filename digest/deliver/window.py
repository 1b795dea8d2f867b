"""An edition's statistics window: the secret that tells visitors apart while it is open.

Clicks and opens share it. It is made on the first request after release, and destroyed when
the window closes (`click_window_days` after release), after which no stored hash can be tied
to anyone.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from digest.extensions import db
from digest.models import ClickSalt, ClickTotal, Edition


def window_salt(edition: Edition, now: datetime) -> ClickSalt | None:
    """The edition's salt while its window is open; None once it closed."""
    salt = db.session.get(ClickSalt, edition.id)
    if salt is not None:
        return salt if now < salt.closes_at else None
    released = edition.released_at or now
    closes_at = released + timedelta(days=edition.newsletter.click_window_days)
    has_totals = db.session.scalar(
        select(func.count()).select_from(ClickTotal).where(ClickTotal.edition_id == edition.id)
    )
    if now >= closes_at or has_totals:
        return None
    salt = ClickSalt(edition_id=edition.id, salt=secrets.token_hex(32), closes_at=closes_at)
    db.session.add(salt)
    db.session.flush()
    return salt


def visitor_hash(salt: ClickSalt, ip: str | None, user_agent: str | None) -> str:
    """Who, as a hash of the IP address and agent salted with the edition's secret."""
    seen = f"{salt.salt}\0{ip or ''}\0{user_agent or ''}"
    return hashlib.sha256(seen.encode("utf-8", "replace")).hexdigest()[:32]
