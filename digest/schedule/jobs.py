"""Scheduled jobs: thin wrappers over operations that record themselves in the job history."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from digest.deliver import send_edition
from digest.edition import build_edition
from digest.extensions import db
from digest.ingest.poll import poll_newsletter_sources
from digest.models import Edition, EditionStatus, JobRun, Newsletter, utcnow
from digest.schedule.triggers import latest_fire_time, make_trigger, slot_for

log = logging.getLogger(__name__)
MISFIRE_GRACE = timedelta(hours=1)


def record_job(app: Flask, name: str, newsletter_id: int | None, work: Callable[[], str]) -> None:
    """Run `work` in an app context; its outcome (or its error) goes into the job history."""
    with app.app_context():
        run = JobRun(job=name, newsletter_id=newsletter_id)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        try:
            detail, status = work(), "ok"
        except Exception as exc:  # a job boundary: record the failure and move on
            log.exception("job %s failed", name)
            db.session.rollback()
            detail, status = f"{type(exc).__name__}: {exc}", "failed"
        run = db.session.get(JobRun, run_id)
        run.status, run.detail, run.finished_at = status, detail[:4000], utcnow()
        db.session.commit()


def run_newsletter(app: Flask, newsletter_id: int) -> None:
    """Poll, build the edition of the slot that is due, and send it."""
    record_job(app, "edition", newsletter_id, lambda: _build_and_send(app, newsletter_id))


def _build_and_send(app: Flask, newsletter_id: int) -> str:
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None or newsletter.is_paused or not newsletter.schedule_cron:
        return "skipped: paused or unscheduled"
    trigger = make_trigger(newsletter.schedule_cron, newsletter.timezone)
    fire = latest_fire_time(trigger, utcnow(), MISFIRE_GRACE)
    if fire is None:
        return "skipped: no slot is due"
    for _ in poll_newsletter_sources(newsletter):
        pass
    edition = build_edition(newsletter, slot_for(fire, newsletter.timezone))
    db.session.commit()
    if not edition.items:
        return f"edition {edition.id}: nothing new, not sent"
    counts = send_edition(app, edition.id)
    return f"edition {edition.id}: {counts}"


def resume_sending(app: Flask) -> None:
    """Pick up editions left half-sent by a crash (paused ones wait for a person)."""

    def work() -> str:
        ids = db.session.scalars(
            select(Edition.id).where(Edition.status == EditionStatus.SENDING)
        ).all()
        db.session.rollback()
        return "; ".join(f"{i}: {send_edition(app, i)}" for i in ids) or "nothing to resume"

    record_job(app, "resume-sending", None, work)


def poll_all(app: Flask) -> None:
    def work() -> str:
        outcomes = list(poll_newsletter_sources())
        failed = sum(1 for o in outcomes if o.error)
        return f"{len(outcomes)} sources polled, {failed} failed"

    record_job(app, "poll", None, work)
