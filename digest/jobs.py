"""The job history: one row per job that did something, with its outcome in words.

A run whose work reports nothing done (returns None) leaves no row, so the jobs that
tick every minute never push the real history out. "Run now" is a row too: the web
asks (status "requested") and the scheduler claims and runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from digest.errors import DigestError
from digest.extensions import db
from digest.models import JobRun, utcnow

log = logging.getLogger(__name__)
PAGE_SIZE = 50
REQUESTED = "requested"
# The scheduler polls every source on this interval counted from POLL_START: on the hour and
# the half hour (UTC), whenever it started, so any process can tell when the next poll is.
POLL_EVERY = timedelta(minutes=30)
POLL_START = datetime(2000, 1, 1, tzinfo=UTC)


def next_poll(after: datetime) -> datetime:
    """When the scheduler's poll job runs next (as APScheduler's interval trigger reckons it)."""
    periods = -((POLL_START - after) // POLL_EVERY)  # rounded up
    return POLL_START + periods * POLL_EVERY


def record_job(
    name: str,
    newsletter_id: int | None,
    work: Callable[[], str | None],
    run_id: int | None = None,
) -> str | None:
    """Run `work` and record its one-line outcome (and log it); an error is recorded, then
    raised again for the boundary that catches it to log.

    `run_id` names a row already claimed (a run someone asked for); None starts a new one.
    """
    if run_id is None:
        run = JobRun(job=name, newsletter_id=newsletter_id)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    try:
        detail, status = work(), "ok"
    except Exception as exc:
        db.session.rollback()
        _finish(run_id, "failed", describe_error(exc))
        raise
    if detail is None:  # nothing was done: an idle tick leaves no trace
        db.session.execute(delete(JobRun).where(JobRun.id == run_id))
        db.session.commit()
        return None
    _finish(run_id, status, detail)
    log.info("job %s done: %s", name, detail, extra={"job": name, "newsletter": newsletter_id})
    return detail


def describe_error(error: BaseException) -> str:
    """One line for a person: a DigestError's own words, else the error's type and message."""
    text = str(error) if isinstance(error, DigestError) else f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def _finish(run_id: int, status: str, detail: str) -> None:
    run = db.session.get(JobRun, run_id)
    run.status, run.detail, run.finished_at = status, detail[:4000], utcnow()
    db.session.commit()


def request_run(name: str, newsletter_id: int | None) -> JobRun:
    """Ask the scheduler to run a job now (it claims requests within seconds); flushes.

    A second request for the same job while one waits is the same request.
    """
    waiting = db.session.scalars(
        select(JobRun).where(
            JobRun.job == name,
            JobRun.newsletter_id.is_(None)
            if newsletter_id is None
            else JobRun.newsletter_id == newsletter_id,
            JobRun.status == REQUESTED,
        )
    ).first()
    if waiting is not None:
        return waiting
    run = JobRun(job=name, newsletter_id=newsletter_id, status=REQUESTED, detail="asked to run now")
    db.session.add(run)
    db.session.flush()
    return run


def claim_requests() -> list[JobRun]:
    """The requested runs this process now owns (status "running"); committed."""
    claimed = []
    for run in db.session.scalars(select(JobRun).where(JobRun.status == REQUESTED)).all():
        taken = db.session.execute(
            update(JobRun)
            .where(JobRun.id == run.id, JobRun.status == REQUESTED)
            .values(status="running", started_at=utcnow(), detail=None)
        ).rowcount
        if taken:
            claimed.append(run)
    db.session.commit()
    return claimed


@dataclass(frozen=True)
class HistoryFilter:
    job: str | None = None
    status: str | None = None
    newsletter_id: int | None = None


def list_runs(
    filters: HistoryFilter, before: tuple[datetime, int] | None = None, limit: int = PAGE_SIZE
) -> tuple[list[JobRun], tuple[datetime, int] | None]:
    """A page of the history, newest first, and the key of the next (older) page, or None."""
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if filters.job:
        query = query.where(JobRun.job == filters.job)
    if filters.status:
        query = query.where(JobRun.status == filters.status)
    if filters.newsletter_id:
        query = query.where(JobRun.newsletter_id == filters.newsletter_id)
    if before is not None:
        moment, run_id = before
        query = query.where(
            or_(
                JobRun.started_at < moment,
                and_(JobRun.started_at == moment, JobRun.id < run_id),
            )
        )
    runs = list(db.session.scalars(query.limit(limit + 1)))
    more = len(runs) > limit
    runs = runs[:limit]
    return runs, ((runs[-1].started_at, runs[-1].id) if more else None)


def last_run(name: str, newsletter_id: int | None = None) -> JobRun | None:
    query = select(JobRun).where(JobRun.job == name, JobRun.status != REQUESTED)
    if newsletter_id is not None:
        query = query.where(JobRun.newsletter_id == newsletter_id)
    return db.session.scalars(query.order_by(JobRun.started_at.desc()).limit(1)).first()


def recent_runs(name: str, limit: int = 5) -> list[JobRun]:
    """The latest runs of one job, newest first."""
    query = select(JobRun).where(JobRun.job == name).order_by(JobRun.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def count_failed() -> int:
    """Runs in the history that failed, for the overview's warning."""
    return db.session.scalar(select(func.count(JobRun.id)).where(JobRun.status == "failed")) or 0
