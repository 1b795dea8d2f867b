"""The jobs page: each job with its next run, run now, pause and resume, history in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from digest.extensions import db
from digest.jobs import next_poll
from digest.models import JobRun, Newsletter
from digest.schedule.process import poll_trigger
from tests.support.factories import make_newsletter


@pytest.fixture
def admin(app, client, sign_in):
    sign_in("admin")
    app.config["WTF_CSRF_ENABLED"] = False
    return client


def test_every_job_shows_its_schedule_in_words_and_next_run(admin):
    make_newsletter(schedule_cron="0 7 * * 1", timezone="Europe/London")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Build and send City Digest" in page and "At 07:00, only on Monday" in page
    assert "Mon " in page and "Poll every source" in page


def test_run_now_asks_the_scheduler_and_shows_in_the_history(admin):
    letter = make_newsletter()
    response = admin.post("/admin/jobs/run", data={"newsletter": letter.id})
    assert response.status_code == 302
    run = db.session.scalar(select(JobRun))
    assert (run.job, run.status, run.newsletter_id) == ("edition", "requested", letter.id)
    page = admin.get("/admin/jobs?status=requested").get_data(as_text=True)
    assert "asked to run now" in page


def test_pause_and_resume_a_newsletters_job(admin):
    letter = make_newsletter(schedule_cron="0 7 * * 1")
    admin.post(f"/admin/jobs/{letter.id}/pause")
    db.session.expire_all()
    assert db.session.get(Newsletter, letter.id).is_paused
    assert "paused" in admin.get("/admin/jobs").get_data(as_text=True)
    admin.post(f"/admin/jobs/{letter.id}/resume")
    db.session.expire_all()
    assert not db.session.get(Newsletter, letter.id).is_paused


def test_the_poll_shows_its_next_run_before_its_first_run(admin):
    page = admin.get("/admin/jobs").get_data(as_text=True)
    row = re.search(r"<strong>Poll every source</strong>.*?</tr>", page, re.S).group(0)
    next_run = re.search(r'data-label="Next run">([^<]*)</td>', row).group(1)
    assert re.fullmatch(r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:(00|30) UTC", next_run)
    assert "never" in row  # no poll has run yet


@pytest.mark.parametrize(
    "after",
    [
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # the night clocks change in Europe
        datetime(2026, 11, 30, 7, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 7, 0, 1, tzinfo=UTC),
        datetime(2027, 1, 1, 23, 45, tzinfo=UTC),
    ],
)
def test_the_next_poll_is_the_schedulers_own(after):
    assert next_poll(after) == poll_trigger().get_next_fire_time(None, after)
