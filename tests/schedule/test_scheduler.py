"""The scheduler: one process per database, cron slots with time zones, idempotent runs."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from digest.errors import SchedulerAlreadyRunning
from digest.extensions import db
from digest.models import Edition, JobRun, SchedulerLease
from digest.schedule.jobs import run_newsletter
from digest.schedule.lock import acquire_lease, release_lease
from digest.schedule.process import add_jobs, stop_once
from digest.schedule.triggers import latest_fire_time, make_trigger, slot_for
from tests.support.factories import make_newsletter
from tests.support.logs import captured_logs
from tests.support.pipeline import prepare_newsletter
from tests.support.scheduler import stop_scheduler

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _release_locks():
    """Holders a test left behind let go, as their processes would on exit."""
    yield
    from digest.schedule import lock

    for holder in list(lock._advisory):
        lock._drop_advisory_lock(holder)


def test_a_second_scheduler_lease_is_refused(app):
    acquire_lease("first:1", 60)
    with pytest.raises(SchedulerAlreadyRunning, match="first:1"):
        acquire_lease("second:2", 60)


def test_an_expired_lease_is_taken_over(app):
    acquire_lease("first:1", 60)
    lease = db.session.get(SchedulerLease, "scheduler")
    lease.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    from digest.schedule import lock

    lock._drop_advisory_lock("first:1")  # on PostgreSQL: its process, and its connection, died
    acquire_lease("second:2", 60)
    assert db.session.get(SchedulerLease, "scheduler").holder == "second:2"
    release_lease("second:2")
    assert db.session.get(SchedulerLease, "scheduler") is None


def test_both_runs_of_the_repeated_dst_hour_share_one_slot():
    zone = "America/New_York"
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, an hour later
    assert slot_for(first, zone) == slot_for(second, zone)


def test_latest_fire_time_follows_the_newsletters_time_zone():
    trigger = make_trigger("0 7 * * *", "Europe/Berlin")
    now = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 08:00 in Berlin (summer time)
    assert latest_fire_time(trigger, now, timedelta(hours=2)) == datetime(
        2026, 7, 1, 5, 0, tzinfo=UTC
    )


def test_a_due_run_builds_and_sends_one_edition_per_slot(app, runner, smtp_server, tmp_path):
    prepare_newsletter(runner, tmp_path, "--schedule", "* * * * *")
    run_newsletter(app, 1)
    run_newsletter(app, 1)  # the same minute again: same slot, nothing new
    editions = db.session.scalar(select(func.count()).select_from(Edition))
    assert editions in (1, 2)  # a minute boundary between the runs makes a second, empty slot
    assert len(smtp_server.received) == 3
    runs = db.session.scalars(select(JobRun.status)).all()
    assert runs == ["ok", "ok"]


def scheduler_process(database_url: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DIGEST_ENV="test",
        DIGEST_DATABASE_URL=database_url,
        DIGEST_SECRET_KEY="x",
        FLASK_APP="wsgi",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "digest", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_second_scheduler_process_exits_with_a_clear_message(database_url):
    first = scheduler_process(database_url)
    try:
        deadline = time.monotonic() + 30
        line = ""
        while "started as" not in line and time.monotonic() < deadline:
            line = first.stdout.readline()
        assert "started as" in line
        second = scheduler_process(database_url)
        output, _ = second.communicate(timeout=30)
        assert second.returncode == 1
        assert "another scheduler is already running" in output
    finally:
        first.terminate()
        first.wait(timeout=15)


def test_two_processes_with_the_same_host_and_pid_get_different_holders(app):
    from digest.schedule.lock import holder_name

    first, second = holder_name(), holder_name()
    assert first != second and first.rsplit(":", 1)[0] == second.rsplit(":", 1)[0]
    acquire_lease(first, 60)
    with pytest.raises(SchedulerAlreadyRunning):
        acquire_lease(second, 60)


def test_apscheduler_says_only_what_goes_wrong_and_our_jobs_still_log(make_app):
    """No line per job added, per start, per tick (the demo printed them every 10 s); a job's
    failure and digest's own lines still show."""
    with captured_logs("INFO") as stream:
        app = make_app()
        with app.app_context():
            make_newsletter(schedule_cron="0 7 * * mon", timezone="Europe/London")
        ran: list[str] = []
        scheduler = BackgroundScheduler(timezone="UTC")
        scheduler.add_listener(
            lambda event: ran.append(event.job_id), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
        )
        add_jobs(app, scheduler, "test:quiet", 60, sync_seconds=0.05)
        scheduler.add_job(_fails, id="fails")
        scheduler.add_job(logging.getLogger("digest.schedule.test").info, args=["ours ran"])
        scheduler.start()
        try:
            deadline = time.monotonic() + 30
            while (ran.count("sync") < 3 or "fails" not in ran) and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            stop_scheduler(scheduler)
            with app.app_context():
                release_lease("test:quiet")
    lines = stream.getvalue().splitlines()
    assert ran.count("sync") >= 3
    assert [line for line in lines if " INFO apscheduler" in line] == []
    assert any(" ERROR apscheduler.executors.default " in line for line in lines)
    assert any(line.endswith(" INFO digest.schedule.test ours ran") for line in lines)


def _fails() -> None:
    raise RuntimeError("a job that fails")


def test_a_second_stop_signal_while_stopping_is_harmless():
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start()
    stop_once(scheduler)
    stop_once(scheduler)  # the second SIGTERM raised SchedulerNotRunningError in the handler
    assert not scheduler.running
