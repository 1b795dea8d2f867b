"""The WebSub job: every minute, ask hubs for the subscriptions that are due (new ones, leases
near their end, unverified or refused ones, removed sources to unsubscribe)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from digest.context import current_settings, external_url
from digest.extensions import db
from digest.ingest import hubs
from digest.models import utcnow
from digest.schedule.jobs import run_job
from digest.words import counted

CALLBACK = "public.hub_callback"  # the hub verifies with a GET and delivers with a POST


def ask_hubs(app: Flask) -> None:
    """The minute tick; one with nothing due only reads and leaves no history."""
    with app.app_context():
        is_due = bool(hubs.due_requests(utcnow()))
        db.session.remove()
    if is_due:
        run_job(app, "websub", None, ask_due_hubs)


def ask_due_hubs(now: datetime | None = None) -> str | None:
    """Make each due request: marked and committed first (a hub may verify before it answers),
    then posted with no transaction open, then its answer recorded and committed."""
    now = now or utcnow()
    settings = current_settings().ingest
    failed = 0
    due = hubs.due_requests(now)
    for subscription_id in due:
        callback = external_url(CALLBACK, subscription_id=subscription_id)
        request = hubs.prepare_request(subscription_id, callback, now)
        db.session.commit()
        if request is None:
            continue
        error = hubs.send_request(request, settings)
        failed += error is not None
        hubs.record_answer(subscription_id, error, now)
        db.session.commit()
    if not due:
        return None
    return f"{counted(len(due), 'hub request')}, {failed} failed"
