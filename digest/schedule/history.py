"""The job history: one row per job that did something, with a one-line summary."""

from __future__ import annotations

import logging
from collections.abc import Callable

from digest.errors import DigestError
from digest.extensions import db
from digest.models import JobRun, utcnow

log = logging.getLogger(__name__)


def record_job(name: str, newsletter_id: int | None, work: Callable[[], str]) -> str:
    """Run `work` and record its one-line outcome; an error is recorded, then raised again."""
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
    _finish(run_id, status, detail)
    return detail


def describe_error(error: BaseException) -> str:
    """One line for a person: a DigestError's own words, else the error's type and message."""
    text = str(error) if isinstance(error, DigestError) else f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def _finish(run_id: int, status: str, detail: str) -> None:
    run = db.session.get(JobRun, run_id)
    run.status, run.detail, run.finished_at = status, detail[:4000], utcnow()
    db.session.commit()
