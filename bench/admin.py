"""Subscriber search in the admin pages on 100,000 subscribers: median milliseconds per page.

Run from the repository root: .venv/bin/python bench/admin.py [--subscribers 100000]

Builds a migrated SQLite file with N subscribers spread over two newsletters (a tenth
unsubscribed, a hundredth bounced), then times digest.audience.search.search for the
searches an admin makes: a first page, an address prefix, a name, a rare word (no match:
every row is read), newsletter + status filters, and a page deep in the list by its keyset.
Each figure is the median of REPEAT runs. The baseline, in the same run, is the deep page
read the naive way (OFFSET), which grows with the page number; the ratio is keyset / OFFSET.
Target: every median under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPEAT = 15
TARGET_MS = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    count = parser.parse_args().subscribers
    with tempfile.TemporaryDirectory(prefix="digest-bench-admin-") as folder:
        app = make_app(Path(folder) / "bench.sqlite3")
        with app.app_context():
            newsletters = fill(count)
            run(newsletters, count)


def make_app(path: Path):
    from config import Config
    from digest.app import create_app, upgrade_database

    env = {
        "DIGEST_ENV": "test",
        "DIGEST_DATABASE_URL": f"sqlite:///{path}",
        "DIGEST_SECRET_KEY": "bench",
        "DIGEST_MAIL_FROM": "news@digest.test",
    }
    app = create_app(Config(env))
    upgrade_database(app)
    return app


def fill(count: int) -> list[int]:
    """N subscribers, each in one of two newsletters; returns the newsletter ids."""
    from sqlalchemy import insert, select

    from digest.extensions import db
    from digest.models import (
        Newsletter,
        Subscriber,
        SubscriberStatus,
        Subscription,
        SubscriptionStatus,
    )

    letters = [Newsletter(slug=s, title=s.title(), from_email="n@digest.test") for s in ("a", "b")]
    db.session.add_all(letters)
    db.session.flush()
    surnames = ["Smith", "Jones", "Garcia", "Okafor", "Nguyen", "Kowalski", "Haddad", "Silva"]
    rows = [
        {
            "email": f"person{n:06d}@mail{n % 97}.example.org",
            "name": f"Person {surnames[n % len(surnames)]} {n}",
            "status": SubscriberStatus.BOUNCED if n % 100 == 7 else SubscriberStatus.OK,
        }
        for n in range(count)
    ]
    db.session.execute(insert(Subscriber), rows)
    ids = db.session.scalars(select(Subscriber.id).order_by(Subscriber.id)).all()
    db.session.execute(
        insert(Subscription),
        [
            {
                "newsletter_id": letters[i % 2].id,
                "subscriber_id": sid,
                "status": SubscriptionStatus.UNSUBSCRIBED
                if i % 10 == 3
                else SubscriptionStatus.ACTIVE,
                "topics": [],
            }
            for i, sid in enumerate(ids)
        ],
    )
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    return [letter.id for letter in letters]


def median_ms(action) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(newsletters: list[int], count: int) -> None:
    from digest.audience.search import PAGE_SIZE, Filters, search

    deep_row = count // 2
    deep_key = _key_at(deep_row)
    cases = {
        "first page": Filters(),
        "address prefix 'person04'": Filters("person04"),
        "name 'okafor'": Filters("okafor"),
        "no match 'zzqx' (reads every row)": Filters("zzqx"),
        "newsletter b, unsubscribed": Filters("", newsletters[1], "unsubscribed"),
        "bounced, name 'silva'": Filters("silva", None, "bounced"),
    }
    print(
        f"subscriber search on {count:,} subscribers, median of {REPEAT} runs, {PAGE_SIZE} a page"
    )
    worst = 0.0
    for label, filters in cases.items():
        ms = median_ms(lambda f=filters: search(f))
        worst = max(worst, ms)
        print(f"  {label:<40} {ms:8.1f} ms")
    keyset = median_ms(lambda: search(Filters(), deep_key))
    offset = median_ms(lambda: _offset_page(deep_row))
    worst = max(worst, keyset)
    print(f"  {'page at row ' + format(deep_row, ',') + ' by keyset':<40} {keyset:8.1f} ms")
    print(f"  {'same page by OFFSET (baseline)':<40} {offset:8.1f} ms")
    print(f"keyset / OFFSET at row {deep_row:,}: {keyset / offset:.2f}")
    verdict = "under" if worst < TARGET_MS else "OVER"
    print(f"slowest search: {worst:.1f} ms, {verdict} the {TARGET_MS} ms target")


def _key_at(row: int) -> tuple[str, int]:
    from digest.audience.search import Filters, _query
    from digest.extensions import db

    found = db.session.execute(_query(Filters()).offset(row).limit(1)).one()
    return found[2], found[0]


def _offset_page(row: int) -> list:
    from digest.audience.search import PAGE_SIZE, Filters, _query
    from digest.extensions import db

    return db.session.execute(_query(Filters()).offset(row).limit(PAGE_SIZE)).all()


if __name__ == "__main__":
    main()
