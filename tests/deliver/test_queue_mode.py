"""Queue mode against real parts: redis-server, `flask digest worker` processes, PostgreSQL
and an aiosmtpd server. Runs when redis-server is installed and DIGEST_TEST_POSTGRES_URL
names a PostgreSQL database; skips otherwise."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, update

from digest.extensions import db
from digest.models import Delivery, DeliveryStatus, EditionStatus, Subscriber
from digest.tasks.delivery import queue_edition, top_up
from tests.conftest import _env
from tests.deliver.conftest import DELIVERY_SETTINGS, duplicates
from tests.support.cluster import RedisServer, Worker, has_redis
from tests.support.factories import settings_of

pytestmark = pytest.mark.skipif(not has_redis(), reason="redis-server is not installed")
QUEUE_SETTINGS = {"send_lease_seconds": "3", "smtp_timeout": "2"}
WAIT = 120.0


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def cluster(database_url, redis_server, sending, smtp_server, tmp_path):
    """cluster(subscribers, workers=3, concurrency=2, **settings) -> (Sending, [Worker])."""
    if not database_url.startswith("postgresql"):
        pytest.skip("queue mode needs PostgreSQL: set DIGEST_TEST_POSTGRES_URL")
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


def recipients(smtp_server) -> list[str]:
    return [address for message in smtp_server.received for address in message.recipients]


def batches_done(worker: Worker) -> int:
    return worker.log.read_text().count("rows: done")


def test_three_workers_deliver_every_subscriber_once(cluster, smtp_server):
    sending, workers = cluster(3000)
    counts = queue_edition(sending.edition_id, settings_of(sending.app), wait=True, timeout=WAIT)
    assert counts["sent"] == 3000
    assert sorted(recipients(smtp_server)) == sorted(sending.emails)
    assert sending.edition().status is EditionStatus.SENT
    assert all(batches_done(worker) > 0 for worker in workers)


def test_a_killed_worker_loses_nobody_and_repeats_at_most_its_messages_in_flight(
    cluster, smtp_server
):
    sending, workers = cluster(1500)
    settings = settings_of(sending.app)
    queue_edition(sending.edition_id, settings, wait=False)
    smtp_server.wait_for(300, seconds=WAIT)
    victim = workers[0]
    victim.kill()  # SIGKILL: no chance to hand anything back
    assert batches_done(victim) > 0
    counts = queue_edition(sending.edition_id, settings, wait=True, timeout=WAIT)
    got = recipients(smtp_server)
    assert counts["sent"] == 1500 and set(got) == set(sending.emails)
    repeated = sum(n - 1 for n in duplicates(got).values())
    assert repeated <= victim.concurrency


def test_a_broker_restart_mid_send_loses_nobody(cluster, redis_server, smtp_server):
    sending, _ = cluster(1500)
    settings = settings_of(sending.app)
    queue_edition(sending.edition_id, settings, wait=False)
    smtp_server.wait_for(300, seconds=WAIT)
    redis_server.kill()  # every queued task is gone with it
    time.sleep(1.0)
    redis_server.start()
    counts = queue_edition(sending.edition_id, settings, wait=True, timeout=WAIT)
    got = recipients(smtp_server)
    assert counts["sent"] == 1500 and set(got) == set(sending.emails)
    assert duplicates(got) == {}


def test_the_send_rate_holds_across_three_workers(cluster, smtp_server):
    sending, workers = cluster(240, send_rate="40")
    arrivals: list[float] = []
    smtp_server.handler.data_script = lambda item, n: arrivals.append(time.monotonic())
    queue_edition(sending.edition_id, settings_of(sending.app), wait=True, timeout=WAIT)
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
    settings = settings_of(sending.app)
    queue_edition(sending.edition_id, settings, wait=False)
    deadline = time.monotonic() + WAIT
    while sending.counts()["sent"] < 160 and time.monotonic() < deadline:
        top_up(sending.edition_id, settings)
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
