"""Queue mode against real parts: redis-server, `flask digest worker` processes, PostgreSQL
and an aiosmtpd server. Runs when redis-server is installed and DIGEST_TEST_POSTGRES_URL
names a PostgreSQL database; skips otherwise."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select, update

from digest.deliver import subjects
from digest.deliver.runners import RunOutcome
from digest.deliver.runners.queue import QueueRunner
from digest.deliver.send import deliver_edition
from digest.extensions import db
from digest.models import Delivery, DeliveryStatus, EditionStatus, Subscriber, utcnow
from digest.tasks.queue import CeleryTaskQueue
from tests.conftest import _env
from tests.deliver.conftest import DELIVERY_SETTINGS, duplicates
from tests.support.cluster import RedisServer, Worker, has_redis
from tests.support.factories import settings_of

pytestmark = pytest.mark.skipif(not has_redis(), reason="redis-server is not installed")
QUEUE_SETTINGS = {"send_lease_seconds": "3", "smtp_timeout": "2"}
WAIT = 120.0


@pytest.fixture
def redis_server(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("queue mode needs PostgreSQL: set DIGEST_TEST_POSTGRES_URL")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def cluster(database_url, redis_server, sending, smtp_server, tmp_path):
    """cluster(subscribers, workers=3, concurrency=2, **settings) -> (Sending, [Worker])."""
    started: list[Worker] = []

    def build(subscribers: int, workers: int = 3, concurrency: int = 2, **settings: str):
        settings = QUEUE_SETTINGS | settings | {"broker_url": redis_server.url}
        made = sending(subscribers, **settings)
        options = DELIVERY_SETTINGS | settings | {"smtp_port": smtp_server.port}
        env = _env(database_url, **{f"DIGEST_{k.upper()}": str(v) for k, v in options.items()})
        for n in range(workers):
            started.append(Worker(env, tmp_path / f"worker{n}.log", concurrency))
        for worker in started:
            worker.wait_ready()
        return made, started

    yield build
    for worker in started:
        worker.kill()


def runner_of(sending) -> QueueRunner:
    """The runner the app chooses with a broker, bounded so that a stuck test fails."""
    settings = settings_of(sending.app)
    return QueueRunner(settings, CeleryTaskQueue(settings.queue), timeout=WAIT)


def queue_edition(sending, *, wait: bool) -> dict[str, int]:
    """Release the edition through the door and queue its batches (and wait for them)."""
    return deliver_edition(
        sending.edition_id, settings_of(sending.app), runner_of(sending), wait=wait
    )


class Idle:
    """A runner that sends nothing: the edition is released and no task is queued."""

    name = "idle"

    def deliver(self, job, *, wait, progress) -> RunOutcome:
        return RunOutcome()


def recipients(smtp_server) -> list[str]:
    return [address for message in smtp_server.received for address in message.recipients]


def batches_done(worker: Worker) -> int:
    return worker.log.read_text().count("rows: done")


def test_three_workers_deliver_every_subscriber_once(cluster, smtp_server):
    sending, workers = cluster(3000)
    counts = queue_edition(sending, wait=True)
    assert counts["sent"] == 3000
    assert sorted(recipients(smtp_server)) == sorted(sending.emails)
    assert sending.edition().status is EditionStatus.SENT
    assert all(batches_done(worker) > 0 for worker in workers)


def test_a_killed_worker_loses_nobody_and_repeats_at_most_its_messages_in_flight(
    cluster, smtp_server
):
    sending, workers = cluster(1500)
    queue_edition(sending, wait=False)
    smtp_server.wait_for(300, seconds=WAIT)
    victim = workers[0]
    victim.kill()  # SIGKILL: no chance to hand anything back
    killed_at, received_then = time.monotonic(), len(smtp_server.received)
    assert batches_done(victim) > 0
    counts = queue_edition(sending, wait=True)
    got = recipients(smtp_server)
    assert counts["sent"] == 1500 and set(got) == set(sending.emails)
    repeated = sum(n - 1 for n in duplicates(got).values())
    assert repeated <= victim.concurrency
    print(  # the figures for the notes (pytest -s shows them)
        f"SIGKILL after {received_then} of 1500: {repeated} repeated, "
        f"all sent {time.monotonic() - killed_at:.1f} s later (lease 3 s)"
    )


def test_a_broker_restart_mid_send_loses_nobody(cluster, redis_server, smtp_server):
    sending, _ = cluster(1500)
    queue_edition(sending, wait=False)
    smtp_server.wait_for(300, seconds=WAIT)
    redis_server.kill()  # every queued task is gone with it
    killed_at, received_then = time.monotonic(), len(smtp_server.received)
    time.sleep(1.0)
    redis_server.start()
    counts = queue_edition(sending, wait=True)
    got = recipients(smtp_server)
    assert counts["sent"] == 1500 and set(got) == set(sending.emails)
    assert duplicates(got) == {}
    print(
        f"broker killed after {received_then} of 1500, back 1 s later: 0 repeated, "
        f"all sent {time.monotonic() - killed_at:.1f} s after the kill"
    )


def test_the_send_rate_holds_across_three_workers(cluster, smtp_server):
    sending, workers = cluster(240, send_rate="40")
    arrivals: list[float] = []
    smtp_server.handler.data_script = lambda item, n: arrivals.append(time.monotonic())
    queue_edition(sending, wait=True)
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    assert len(arrivals) == 240
    assert 36 <= rate <= 44, f"{rate:.1f} messages a second for a limit of 40"
    assert all(batches_done(worker) > 0 for worker in workers)


def test_a_domain_answering_421_slows_only_itself(cluster, smtp_server):
    sending, workers = cluster(200, domain_backoff_seconds="60")
    slow = [address.replace("@example.org", "@slow.test") for address in sending.emails[:40]]
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.email.in_(sending.emails[:40]))
        .values(email=func.replace(Subscriber.email, "@example.org", "@slow.test"))
    )
    db.session.commit()
    smtp_server.handler.rcpt_script = lambda address, n: (
        "421 4.7.0 slow down" if address.endswith("@slow.test") else None
    )
    queue_edition(sending, wait=False)
    deadline = time.monotonic() + WAIT
    while sending.counts()["sent"] < 160 and time.monotonic() < deadline:
        runner_of(sending).top_up(sending.edition_id)
        time.sleep(0.5)
    time.sleep(1.0)  # give a slow row the chance to be tried again, were it not held
    assert sorted(recipients(smtp_server)) == sorted(sending.emails[40:])
    tries = sum(n for a, n in smtp_server.handler.rcpt_attempts.items() if a in slow)
    concurrency = sum(worker.concurrency for worker in workers)
    assert 1 <= tries <= concurrency  # one refusal held the domain for every worker
    db.session.rollback()
    held = db.session.scalars(
        select(Delivery).join(Subscriber).where(Subscriber.email.in_(slow))
    ).all()
    assert all(row.status is DeliveryStatus.PENDING for row in held)
    assert all(row.next_attempt_at is not None for row in held)
    assert sending.edition().status is EditionStatus.SENDING


def test_sigterm_finishes_the_message_in_flight_and_hands_the_batch_back(
    cluster, smtp_server, tmp_path
):
    sending, (worker,) = cluster(600, workers=1, send_batch="100")
    smtp_server.handler.data_script = lambda item, n: time.sleep(0.005)
    queue_edition(sending, wait=False)
    smtp_server.wait_for(150, seconds=WAIT)
    assert worker.terminate() == 0
    db.session.rollback()
    pending = db.session.scalars(
        select(Delivery).where(
            Delivery.edition_id == sending.edition_id, Delivery.status == DeliveryStatus.PENDING
        )
    ).all()
    assert pending and all(row.lease_until is None for row in pending)  # handed back
    assert sending.counts()["sent"] == len(smtp_server.received)  # nothing sent unmarked
    successor = Worker(worker.env, tmp_path / "successor.log").wait_ready()
    try:
        queue_edition(sending, wait=True)
    finally:
        successor.kill()
    assert sorted(recipients(smtp_server)) == sorted(sending.emails)


def test_sources_poll_as_tasks_one_poll_of_a_source_at_a_time(cluster, redis_server, tmp_path):
    from digest.ingest.poll import add_source
    from digest.models import Article, Newsletter
    from tests.support.cluster import redis_client

    sending, (worker,) = cluster(1, workers=1)
    folders = []
    for n in range(3):
        folder = tmp_path / f"source{n}"
        folder.mkdir()
        (folder / "story.txt").write_text(f"Harbour story {n}\n\nThe ferry number {n} ran late.")
        folders.append(folder)
    newsletter = db.session.get(Newsletter, sending.newsletter_id)
    sources = [add_source(newsletter, str(folder)) for folder in folders]
    db.session.commit()
    redis_client(redis_server).set(f"digest:poll:{sources[0].id}", "another worker")
    assert runner_of(sending).poll(settings_of(sending.app).ingest) == "3 source polls queued"
    deadline = time.monotonic() + WAIT
    titles: set[str] = set()
    while len(titles) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        db.session.rollback()
        titles = set(
            db.session.scalars(select(Article.title).where(Article.title.like("Harbour%")))
        )
    assert titles == {"Harbour story 1", "Harbour story 2"}  # source 0 is being polled elsewhere
    assert f"source {sources[0].id} is being polled already" in worker.log.read_text()


def test_a_streak_of_refusals_pauses_every_worker_and_fails_nobody(cluster, smtp_server):
    sending, workers = cluster(600, pause_after_failures="5")
    smtp_server.handler.rcpt_script = lambda address, n: "554 5.7.1 sending account blocked"
    counts = queue_edition(sending, wait=True)
    edition = sending.edition()
    assert edition.status is EditionStatus.PAUSED and "554" in edition.pause_reason
    tries = sum(smtp_server.handler.rcpt_attempts.values())
    assert tries <= 5 + 2 * sum(worker.concurrency for worker in workers)  # not 600
    settled(sending)  # a last worker's batch puts its rows back
    counts = sending.counts()
    assert counts["failed"] == counts["sent"] == 0
    assert counts["pending"] + counts["retrying"] == 600

    smtp_server.handler.rcpt_script = None
    counts = queue_edition(sending, wait=True)
    assert counts["sent"] == 600
    assert sorted(recipients(smtp_server)) == sorted(sending.emails)


def settled(sending) -> None:
    """Wait until no worker holds a row of the edition (every batch has put its rows back)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        held = db.session.scalar(
            select(func.count()).where(
                Delivery.edition_id == sending.edition_id, Delivery.lease_until > utcnow()
            )
        )
        db.session.rollback()
        if not held:
            return
        time.sleep(0.1)
    raise AssertionError("a worker still holds rows of the edition")


def test_the_scheduler_queues_again_what_no_task_covers(cluster, smtp_server):
    from digest.schedule.jobs import deliver_due

    sending, _ = cluster(400, workers=1)
    deliver_edition(sending.edition_id, settings_of(sending.app), Idle())  # no task queued
    time.sleep(1.0)
    assert smtp_server.received == []
    deliver_due(sending.app)  # the scheduler's minute
    deadline = time.monotonic() + WAIT
    while sending.edition().status is EditionStatus.SENDING and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sending.edition().status is EditionStatus.SENT
    assert sorted(recipients(smtp_server)) == sorted(sending.emails)


def test_a_subject_test_runs_on_the_workers_and_the_winner_goes_to_the_rest(cluster, smtp_server):
    sending, _ = cluster(300)
    edition = sending.edition()
    edition.other_subjects, edition.test_share = ["Three things to know"], 40
    db.session.commit()
    queue_edition(sending, wait=False)
    smtp_server.wait_for(120, seconds=WAIT)  # the sample: 60 readers a line
    waiting = select(func.count()).where(
        Delivery.edition_id == sending.edition_id, Delivery.variant.is_(None)
    )
    assert db.session.scalar(waiting) == 180
    with db.engine.connect() as connection:
        assert subjects.choose(connection, sending.edition_id, 1, "ann@digest.test")
    counts = queue_edition(sending, wait=True)
    assert counts["sent"] == 300 and duplicates(recipients(smtp_server)) == {}
    lines = Counter(str(m.message["Subject"]) for m in smtp_server.received)
    assert lines == {"City Digest: news": 60, "Three things to know": 240}
