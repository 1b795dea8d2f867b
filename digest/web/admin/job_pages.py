"""Admin jobs page: every job with its next run; pause, resume, run now; the job history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug import Response

from digest import jobs as history
from digest import newsletters
from digest.accounts import Role
from digest.extensions import db
from digest.models import utcnow
from digest.web.admin.newsletter_forms import ActionForm
from digest.web.admin.newsletter_pages import newsletter_or_404
from digest.web.auth import role_required
from digest.web.routing import id_arg

JOB_NAMES = {"edition": "Build and send", "send": "Send", "poll": "Poll every source"}
STATUSES = ("ok", "failed", "running", "requested")


@dataclass
class JobLine:
    """One job as the admin sees it."""

    name: str
    schedule: str
    next_run: datetime | None
    is_paused: bool
    newsletter_id: int | None
    last: object


@role_required(Role.ADMIN)
def jobs_page() -> str:
    """The jobs with their next runs, then a page of history (by job, status, newsletter)."""
    filters = history.HistoryFilter(
        job=request.args.get("job") if request.args.get("job") in JOB_NAMES else None,
        status=request.args.get("status") if request.args.get("status") in STATUSES else None,
        newsletter_id=id_arg(request.args, "newsletter"),
    )
    before = _before()
    runs, older = history.list_runs(filters, before)
    query = {k: v for k, v in request.args.items() if k not in ("before", "before_id")}
    letters = newsletters.list_newsletters()
    return render_template(
        "admin/jobs.html",
        jobs=_job_lines(letters),
        runs=runs,
        filters=filters,
        letters={n.id: n for n in letters},
        job_names=JOB_NAMES,
        statuses=STATUSES,
        older_url=older
        and url_for("admin.jobs_page", **query, before=older[0].isoformat(), before_id=older[1]),
        newest_url=before and url_for("admin.jobs_page", **query),
        action=ActionForm(),
    )


def _before() -> tuple[datetime, int] | None:
    try:
        moment = datetime.fromisoformat(request.args.get("before", ""))
    except ValueError:
        return None
    run_id = id_arg(request.args, "before_id")
    return (moment, run_id) if run_id and moment.tzinfo else None


def _job_lines(letters) -> list[JobLine]:
    lines = []
    for n in letters:
        if n.is_archived:
            continue
        runs = newsletters.next_runs(n.schedule_cron, n.timezone, 1)
        lines.append(
            JobLine(
                f"Build and send {n.title}",
                newsletters.describe_schedule(n.schedule_cron, n.timezone),
                runs[0] if runs and not n.is_paused else None,
                n.is_paused,
                n.id,
                history.last_run("edition", n.id),
            )
        )
    poll_at = history.next_poll(utcnow())
    every = f"Every {history.POLL_EVERY.seconds // 60} minutes, on the hour and the half hour"
    lines.append(
        JobLine("Poll every source", every, poll_at, False, None, history.last_run("poll"))
    )
    return lines


@role_required(Role.ADMIN)
def run_job_now() -> Response:
    """Ask the scheduler to run a newsletter's edition, or a poll of every source, now."""
    if not ActionForm().validate_on_submit():
        abort(400)
    newsletter_id = id_arg(request.form, "newsletter")
    if newsletter_id:
        newsletter = newsletter_or_404(newsletter_id)
        history.request_run("edition", newsletter.id)
        what = f"{newsletter.title}'s edition"
    else:
        history.request_run("poll", None)
        what = "A poll of every source"
    db.session.commit()
    flash(f"{what} will start within seconds (the scheduler picks it up).", "ok")
    return redirect(url_for("admin.jobs_page"))


@role_required(Role.ADMIN)
def pause_job(newsletter_id: int, verb: str) -> Response:
    """Pause or resume a newsletter's scheduled runs (the scheduler follows within seconds)."""
    newsletter = newsletter_or_404(newsletter_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    newsletters.set_paused(newsletter, verb == "pause")
    db.session.commit()
    flash(f"{newsletter.title} is {'paused' if newsletter.is_paused else 'running'}.", "ok")
    return redirect(url_for("admin.jobs_page"))
