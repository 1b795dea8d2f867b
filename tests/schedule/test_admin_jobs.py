"""Jobs as the admin drives them: the running scheduler follows edits, run now, the history."""

from __future__ import annotations

import time

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from digest import jobs as history
from digest.accounts import Role, create_user
from digest.extensions import db
from digest.models import Edition, EditionStatus, JobRun
from digest.schedule.jobs import deliver_due, run_requested
from digest.schedule.lock import acquire_lease, release_lease
from digest.schedule.process import add_jobs
from tests.support.factories import make_newsletter
from tests.support.pipeline import prepare_newsletter
from tests.support.scheduler import stop_scheduler
from tests.web.conftest import ADMIN, PASSWORD


@pytest.fixture
def running_scheduler(app):
    """A real APScheduler with digest's jobs, following edits every 0.2 s."""
    holder = "test:scheduler"
    acquire_lease(holder, 60)
    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(app, scheduler, holder, 60, sync_seconds=0.2)
    scheduler.start()
    yield scheduler
    stop_scheduler(scheduler)
    release_lease(holder)
    from digest.schedule import lock

    for name in list(lock._advisory):
        lock._drop_advisory_lock(name)


def wait_for(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_schedule_edited_in_the_browser_changes_the_running_schedulers_next_run(
    app, client, running_scheduler
):
    from digest.accounts import Role, create_user

    letter = make_newsletter(schedule_cron="0 7 * * 1", timezone="Europe/London")
    create_user(ADMIN, PASSWORD, Role.ADMIN)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/admin/login", data={"email": ADMIN, "password": PASSWORD})
    job_id = f"newsletter-{letter.id}"
    before = wait_for(lambda: running_scheduler.get_job(job_id)).next_run_time
    assert before.strftime("%a %H:%M") == "Mon 07:00"
    form = {
        "title": "City Digest",
        "slug": "city",
        "from_email": "news@digest.test",
        "schedule_cron": "45 18 * * 3",
        "timezone": "America/New_York",
        "lookback_days": "7",
        "min_stories": "1",
        "max_stories": "30",
        "send_mode": "auto",
        "review_minutes": "120",
        "summary_sentences": "2",
        "summary_words": "55",
    }
    assert client.post(f"/admin/newsletters/{letter.id}", data=form).status_code == 302

    def moved():
        job = running_scheduler.get_job(job_id)
        return job and job.next_run_time != before and job.next_run_time

    after = wait_for(moved)
    assert after.strftime("%a %H:%M %Z") in ("Wed 18:45 EST", "Wed 18:45 EDT")


def test_pausing_a_newsletter_takes_its_job_out_of_the_running_scheduler(app, running_scheduler):
    letter = make_newsletter(schedule_cron="0 7 * * 1")
    job_id = f"newsletter-{letter.id}"
    wait_for(lambda: running_scheduler.get_job(job_id))
    letter.is_paused = True
    db.session.commit()
    wait_for(lambda: running_scheduler.get_job(job_id) is None)


def test_run_now_builds_and_sends_through_the_scheduler(
    app, runner, smtp_server, tmp_path, running_scheduler
):
    prepare_newsletter(runner, tmp_path)
    run = history.request_run("edition", 1)
    db.session.commit()
    assert history.request_run("edition", 1).id == run.id  # asking twice is one request
    db.session.rollback()
    smtp_server.wait_for(3)

    def finished():
        db.session.expire_all()
        done = db.session.get(JobRun, run.id)
        return done.status == "ok" and done

    done = wait_for(finished)
    assert "edition 1 sent: 3 sent" in done.detail
    assert db.session.get(Edition, 1).status is EditionStatus.SENT


def test_run_now_on_a_review_first_newsletter_asks_for_review_and_sends_nothing(
    app, runner, smtp_server, tmp_path
):
    prepare_newsletter(runner, tmp_path)
    from digest.newsletters import get_newsletter

    get_newsletter("city").send_mode = "review"
    create_user("editor@digest.test", "correct horse battery", Role.EDITOR)
    db.session.commit()
    history.request_run("edition", 1)
    db.session.commit()
    run_requested(app)
    detail = db.session.scalar(select(JobRun.detail))
    assert detail == "edition 1 waits for an editor's approval"
    assert db.session.get(Edition, 1).status is EditionStatus.DRAFT
    (review,) = smtp_server.received
    assert review.recipients == ["editor@digest.test"]
    assert "/editor/edition/1" in review.message.get_content()


def test_too_few_stories_is_not_sent_and_says_why(app, runner, smtp_server, tmp_path):
    prepare_newsletter(runner, tmp_path)
    make_newsletter("other", "Other")  # unrelated
    from digest.newsletters import get_newsletter

    get_newsletter("city").min_stories = 5
    db.session.commit()
    history.request_run("edition", 1)
    db.session.commit()
    run_requested(app)
    detail = db.session.scalar(select(JobRun.detail))
    assert "edition 1: 3 new stories, fewer than 5: not sent" in detail
    assert smtp_server.received == []


def test_minutes_with_nothing_to_send_leave_no_history(app):
    make_newsletter()
    for _ in range(3):
        deliver_due(app)
    assert db.session.scalar(select(func.count(JobRun.id))) == 0
