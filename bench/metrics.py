"""A /metrics scrape on a million delivery rows, on PostgreSQL: median milliseconds.

Run from the repository root:
    .venv/bin/python bench/metrics.py --database-url postgresql+psycopg://postgres@127.0.0.1:54329/bench
(an empty database you may fill; `.ci/postgres start` makes a throwaway cluster, then
`createdb -h 127.0.0.1 -p 54329 -U postgres bench`).

Fills 20 editions of 50,000 readers each (1,000,000 delivery rows: 19 sent over the last 30
days with a few failures and skips, one still sending), 5,000 returned-mail events, 200 job
runs and 30 sources; then times `digest.status.figures` (every figure /metrics serves) and
each of its queries, REPEAT times each, and prints the medians. A process's first scrape
also counts the rows of every finished edition, once (they never change again); it is
timed apart. Target: a scrape under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPEAT = 15
TARGET_MS = 100
EDITIONS, READERS = 20, 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    url = parser.parse_args().database_url
    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        fill()
        print(
            f"filled {EDITIONS * READERS:,} delivery rows in {time.perf_counter() - started:.0f} s"
        )
        run()


def make_app(url: str):
    from config import Config
    from digest.app import create_app, upgrade_database
    from digest.extensions import db

    app = create_app(Config({"DIGEST_ENV": "test", "DIGEST_DATABASE_URL": url}))
    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade_database(app)
    return app


def fill() -> None:
    """The small tables through the models (their defaults apply), the million rows in SQL."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from digest.extensions import db
    from digest.models import (
        Edition,
        EditionStatus,
        Newsletter,
        Source,
        SourceKind,
        Subscriber,
        SubscriberStatus,
        Subscription,
        SubscriptionStatus,
        utcnow,
    )

    now = utcnow()
    letters = [
        Newsletter(slug=f"n{i}", title=f"N{i}", from_email="news@example.org") for i in range(3)
    ]
    db.session.add_all(letters)
    db.session.flush()
    db.session.add_all(
        Source(
            newsletter_id=letters[i % 3].id,
            kind=SourceKind.FEED,
            location=f"https://f.example/{i}",
            name=f"F{i}",
            is_active=i % 10 != 0,
            failure_count=int(i % 7 == 0),
            last_success_at=now - timedelta(minutes=i),
        )
        for i in range(30)
    )
    for i in range(EDITIONS):
        at = now - timedelta(hours=36 * (i + 1))
        sending = i == 0
        db.session.add(
            Edition(
                newsletter_id=letters[0].id,
                slot=at,
                subject=f"E{i}",
                created_at=at,
                status=EditionStatus.SENDING if sending else EditionStatus.SENT,
                finished_at=None if sending else at + timedelta(hours=1),
            )
        )
    db.session.execute(
        insert(Subscriber),
        [{"email": f"r{i}@example.org", "status": SubscriberStatus.OK} for i in range(READERS)],
    )
    ids = db.session.scalars(select(Subscriber.id)).all()
    db.session.execute(
        insert(Subscription),
        [
            {
                "newsletter_id": letters[0].id,
                "subscriber_id": i,
                "status": SubscriptionStatus.ACTIVE,
            }
            for i in ids
        ],
    )
    db.session.commit()
    with db.engine.begin() as connection:
        for statement in FILL:
            connection.exec_driver_sql(statement)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


FILL = [
    # Every reader of every edition; the sending edition has half its rows still pending.
    "INSERT INTO delivery (edition_id, subscriber_id, subscription_id, status, message_id, "
    "attempts, sent_at, created_at) SELECT e.id, s.subscriber_id, s.id, CASE WHEN e.status = "
    "'sending' AND s.id %% 2 = 0 THEN 'pending' WHEN s.id %% 97 = 0 THEN 'failed' WHEN s.id %% 89 "
    "= 0 THEN 'skipped' ELSE 'sent' END, '<' || e.id || '.' || s.id || '@x>', "
    "(s.id %% 5 = 0)::int, CASE WHEN e.status = 'sending' AND s.id %% 2 = 0 THEN NULL ELSE "
    "e.created_at + (s.id %% 3600) * interval '1 second' END, now() "
    "FROM edition e CROSS JOIN subscription s",
    "INSERT INTO delivery_event (delivery_id, edition_id, subscriber_id, kind, action, "
    "recipient_domain, channel, fingerprint, received_at) SELECT d.id, d.edition_id, "
    "d.subscriber_id, CASE WHEN d.id %% 5 = 0 THEN 'complaint' ELSE 'hard_bounce' END, 'noted', "
    "'example.org', 'smtp', 'f' || d.id, coalesce(d.sent_at, now()) FROM delivery d "
    "WHERE d.id %% 200 = 0",
    "INSERT INTO job_run (job, status, started_at, finished_at) SELECT 'build', 'ok', "
    "now() - i * interval '7 minutes', now() - i * interval '7 minutes' + interval '3 seconds' "
    "FROM generate_series(1, 200) i",
]


def run() -> None:
    from digest import status
    from digest.deliver.runners.threads import ThreadRunner
    from digest.extensions import db
    from digest.models import utcnow

    runner = ThreadRunner()
    cold = []
    for _ in range(3):  # a new process counts each finished edition's rows once
        status._final_counts.clear()
        started = time.perf_counter()
        list(status.figures(runner, utcnow()))
        cold.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    print(f"{'a first scrape of a process':34} median {statistics.median(cold):7.1f} ms")
    parts = {
        "deliveries by status": status._deliveries,
        "sending (rate, pending, retries)": lambda: status._sending(runner, utcnow()),
        "sources": lambda: status._sources(utcnow()),
        "bounce and complaint rates": lambda: status._returned_mail(utcnow()),
        "job runs": lambda: status._jobs(utcnow()),
        "newsletters": status._newsletters,
        "a whole scrape": lambda: status.figures(runner, utcnow()),
    }
    for name, produce in parts.items():
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            count = len(list(produce()))
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        print(f"{name:34} median {statistics.median(times):7.1f} ms  ({count} figures)")
    verdict = "met" if statistics.median(times) < TARGET_MS else "missed"
    print(f"target: a scrape under {TARGET_MS} ms -> {verdict}")


if __name__ == "__main__":
    main()
