"""The scheduler process: one per database, guarded by a lease, running jobs on cron triggers."""

from __future__ import annotations

import logging
import signal

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import select

from digest.context import settings_of
from digest.extensions import db
from digest.jobs import POLL_EVERY, POLL_START
from digest.models import Newsletter
from digest.schedule.jobs import (
    MISFIRE_GRACE,
    close_click_windows,
    deliver_due,
    drop_old_mail,
    plan_editions,
    poll_all,
    run_newsletter,
    run_requested,
    run_weekly,
    send_outbox,
)
from digest.schedule.lock import acquire_lease, holder_name, release_lease, renew_lease
from digest.schedule.triggers import make_trigger
from digest.schedule.websub import ask_hubs

log = logging.getLogger(__name__)
SYNC = 10.0  # seconds between looks at the admin's edits and run-now requests
OUTBOX_SECONDS = 5  # service mail a request or job did not send itself


def run_scheduler(app: Flask) -> None:
    """Block running scheduled jobs until SIGINT/SIGTERM; refuses if another scheduler is alive.
    It logs through the setup the app made (digest/logs.py)."""
    holder, seconds = holder_name(), settings_of(app).scheduler_lock_seconds
    with app.app_context():
        acquire_lease(holder, seconds)
    scheduler = BlockingScheduler(executors={"default": ThreadPoolExecutor(4)}, timezone="UTC")
    add_jobs(app, scheduler, holder, seconds)
    signal.signal(signal.SIGTERM, lambda *_: stop_once(scheduler))
    log.info("started as %s", holder)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass
    finally:
        with app.app_context():
            release_lease(holder)
        log.info("stopped")


def stop_once(scheduler: BaseScheduler) -> None:
    """Stop the scheduler; again (a second SIGTERM, as `timeout` and some supervisors send it
    to the process and then to its group) does nothing, rather than raise mid-shutdown."""
    if scheduler.running:
        scheduler.shutdown(wait=False)


def add_jobs(
    app: Flask, scheduler: BaseScheduler, holder: str, seconds: int, sync_seconds: float = SYNC
) -> None:
    """The scheduler's jobs: the lease, following the admin's edits, run-now requests,
    delivery every minute, polling, WebSub requests, hourly upkeep (click windows, old mail),
    and one cron job per scheduled newsletter."""
    defaults = {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
    }
    scheduler.add_job(
        _heartbeat,
        "interval",
        seconds=max(1, seconds // 3),
        id="lease",
        args=[app, scheduler, holder, seconds],
        **defaults,
    )
    scheduler.add_job(
        sync_newsletter_jobs,
        "interval",
        seconds=sync_seconds,
        id="sync",
        args=[app, scheduler],
        **defaults,
    )
    scheduler.add_job(
        run_requested, "interval", seconds=sync_seconds, id="requests", args=[app], **defaults
    )
    scheduler.add_job(
        send_outbox, "interval", seconds=OUTBOX_SECONDS, id="outbox", args=[app], **defaults
    )
    scheduler.add_job(deliver_due, "interval", minutes=1, id="deliver", args=[app], **defaults)
    scheduler.add_job(plan_editions, "interval", minutes=1, id="plan", args=[app], **defaults)
    scheduler.add_job(poll_all, poll_trigger(), id="poll", args=[app], **defaults)
    scheduler.add_job(close_click_windows, "interval", hours=1, id="clicks", args=[app], **defaults)
    scheduler.add_job(drop_old_mail, "interval", hours=1, id="mail", args=[app], **defaults)
    scheduler.add_job(ask_hubs, "interval", minutes=1, id="websub", args=[app], **defaults)
    inbound = settings_of(app).inbound
    if inbound.bounce_mailbox:
        from digest.schedule.inbound import poll_bounce_mailbox

        seconds = max(30, inbound.mailbox_poll_seconds)
        scheduler.add_job(
            poll_bounce_mailbox, "interval", seconds=seconds, id="bounces", args=[app], **defaults
        )
    sync_newsletter_jobs(app, scheduler)


def poll_trigger() -> IntervalTrigger:
    """Every source is polled on the hour and the half hour: digest.jobs.next_poll tells when."""
    return IntervalTrigger(
        seconds=int(POLL_EVERY.total_seconds()), start_date=POLL_START, timezone="UTC"
    )


def _heartbeat(app: Flask, scheduler: BaseScheduler, holder: str, seconds: int) -> None:
    with app.app_context():
        if not renew_lease(holder, seconds):
            log.error("lost the scheduler lease to another process; stopping")
            scheduler.shutdown(wait=False)


def sync_newsletter_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """One cron job per scheduled, unpaused newsletter; follows edits made in the admin pages."""
    with app.app_context():
        newsletters = db.session.scalars(select(Newsletter)).all()
        wanted = {}
        for n in newsletters:
            if n.schedule_cron and not n.is_paused:
                wanted[f"newsletter-{n.id}"] = (n.id, n.schedule_cron, n.timezone)
            if n.offers_weekly and n.weekly_cron and not n.is_paused:
                wanted[f"newsletter-{n.id}-weekly"] = (n.id, n.weekly_cron, n.timezone)
        db.session.rollback()
    for job in scheduler.get_jobs():
        if job.id.startswith("newsletter-") and job.id not in wanted:
            job.remove()
    for job_id, (newsletter_id, cron, timezone) in wanted.items():
        _ensure_job(app, scheduler, job_id, newsletter_id, make_trigger(cron, timezone))


def _ensure_job(app, scheduler, job_id: str, newsletter_id: int, trigger) -> None:
    existing = scheduler.get_job(job_id)
    if existing is not None and repr(existing.trigger) == repr(trigger):
        return
    scheduler.add_job(
        run_weekly if job_id.endswith("-weekly") else run_newsletter,
        trigger,
        id=job_id,
        args=[app, newsletter_id],
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
    )
