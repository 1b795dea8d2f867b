"""Scheduled jobs: thin wrappers over operations and steps, each recorded in the job history.

A job boundary is the one place a catch-all belongs: the failure is recorded
and the scheduler moves on. Each edition is handled on its own, so one that
cannot be sent never holds up another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from digest.app import current_settings
from digest.deliver import send_edition
from digest.deliver.ledger import next_due_at
from digest.edition import lifecycle
from digest.extensions import db
from digest.ingest.poll import poll_newsletter_sources
from digest.models import Edition, EditionStatus, Newsletter, utcnow
from digest.schedule.history import record_job
from digest.schedule.triggers import latest_fire_time, make_trigger, slot_for

log = logging.getLogger(__name__)
MISFIRE_GRACE = timedelta(hours=1)


def run_job(app: Flask, name: str, newsletter_id: int | None, work: Callable[[], str]) -> None:
    """Run one recorded job in its own app context; a failure is logged and recorded, not raised."""
    with app.app_context():
        try:
            record_job(name, newsletter_id, work)
        except Exception:  # a job boundary: recorded in the history, the scheduler goes on
            log.exception("job %s failed", name)
        finally:
            db.session.remove()


def run_newsletter(app: Flask, newsletter_id: int) -> None:
    """Poll, build the edition of the slot that is due, approve it and send it."""
    run_job(app, "edition", newsletter_id, lambda: build_and_send(newsletter_id))


def build_and_send(newsletter_id: int) -> str:
    from digest.edition.build import build_edition  # loads the grouping step

    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None or newsletter.is_paused or not newsletter.schedule_cron:
        return "skipped: paused or unscheduled"
    fire = latest_fire_time(
        make_trigger(newsletter.schedule_cron, newsletter.timezone), utcnow(), MISFIRE_GRACE
    )
    if fire is None:
        return "skipped: no slot is due"
    polled = list(poll_newsletter_sources(current_settings().ingest, newsletter))
    edition = build_edition(newsletter, slot_for(fire, newsletter.timezone))
    if edition.status is not EditionStatus.DRAFT:
        db.session.commit()
        return f"edition {edition.id} of this slot is already {edition.status.value}"
    if not any(not item.is_excluded for item in edition.items):
        db.session.commit()
        return f"edition {edition.id}: nothing new from {len(polled)} source(s), not sent"
    lifecycle.approve(edition)
    db.session.commit()
    return _send_now(edition.id)


def deliver_due(app: Flask) -> None:
    """Release approved editions and go on with half-sent ones, each edition on its own.

    Runs every minute; a minute with nothing to do leaves no row in the history.
    """
    with app.app_context():
        due = editions_with_work()
        db.session.remove()
    for edition_id, newsletter_id in due:
        run_job(app, "send", newsletter_id, lambda e=edition_id: _send_now(e))


def editions_with_work() -> list[tuple[int, int]]:
    """Approved editions, and sending ones with a row to send now or none left (to finish)."""
    rows = db.session.execute(
        select(Edition.id, Edition.newsletter_id, Edition.status)
        .where(Edition.status.in_([EditionStatus.APPROVED, EditionStatus.SENDING]))
        .order_by(Edition.id)
    ).all()
    with db.engine.connect() as connection:
        return [
            (edition_id, newsletter_id)
            for edition_id, newsletter_id, status in rows
            if status is EditionStatus.APPROVED or _has_work(connection, edition_id)
        ]


def _has_work(connection, edition_id: int) -> bool:
    """A row can be sent now, or none is pending and the edition only needs finishing."""
    due = next_due_at(connection, edition_id)
    return due is None or due <= utcnow()


def _send_now(edition_id: int) -> str:
    """Send what is due now; rows waiting for a retry are left for a later minute. In queue
    mode, queue tasks for the rows no worker holds (a lost task, an expired lease) instead."""
    settings = current_settings()
    if settings.queue:
        from digest.tasks.delivery import queue_edition

        counts = queue_edition(edition_id, settings, wait=False)
    else:
        counts = send_edition(edition_id, settings, wait_for_retries=False)
    return describe_send(edition_id, counts)


def describe_send(edition_id: int, counts: dict[str, int]) -> str:
    edition = lifecycle.get_edition(edition_id)
    shown = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    status = edition.status.value
    if edition.pause_reason:
        status += f" ({edition.pause_reason})"
    return f"edition {edition_id} {status}: {shown or 'no recipients'}"


def poll_all(app: Flask) -> None:
    def work() -> str:
        settings = current_settings()
        if settings.queue:  # one task per source, polled side by side by the workers
            from digest.tasks.polling import enqueue_polls

            return f"{enqueue_polls(settings)} source polls queued"
        outcomes = list(poll_newsletter_sources(current_settings().ingest))
        failed = sum(1 for o in outcomes if o.error)
        return f"{len(outcomes)} sources polled, {failed} failed"

    run_job(app, "poll", None, work)
