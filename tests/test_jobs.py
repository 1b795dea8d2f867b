"""The job history every face reads (digest/jobs.py): newest first, filtered, paged."""

from __future__ import annotations

from datetime import timedelta

from digest import jobs as history
from digest.extensions import db
from digest.models import JobRun, utcnow
from tests.support.factories import make_newsletter


def test_the_history_pages_newest_first_and_filters(app):
    letter = make_newsletter()
    start = utcnow() - timedelta(hours=2)
    for n in range(120):
        job = "poll" if n % 3 else "edition"
        db.session.add(
            JobRun(
                job=job,
                newsletter_id=letter.id if job == "edition" else None,
                status="ok",
                detail=f"run {n}",
                started_at=start + timedelta(seconds=n),
            )
        )
    db.session.commit()
    seen, before = [], None
    while True:
        runs, before = history.list_runs(history.HistoryFilter(job="edition"), before, 15)
        seen += [r.detail for r in runs]
        if before is None:
            break
    assert seen == [f"run {n}" for n in range(119, -1, -1) if n % 3 == 0]
