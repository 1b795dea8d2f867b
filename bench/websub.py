"""WebSub against polling: how soon a new post is in the candidate pool.

Usage: python bench/websub.py [--pushes 50] [--repeat 3]

A fresh SQLite database, the app served by a threaded werkzeug server on its base URL, a
local hub and publisher (tests/support/hub.py). The feed is polled once (it announces the
hub), the scheduler's WebSub job subscribes, the hub verifies. Then the hub delivers
`--pushes` signed feeds, each with one new entry among the 20 of the feed, one after the
other; each delivery's time is from the start of the hub's POST to its 202, which the
callback sends after the new article is committed (so it is in the candidate pool).

It prints the subscription time (request to verified), the median delivery time with its
p10 / p90 (medians over `--repeat` runs), the ratio to a poll's mean wait (half the poll
interval, 15 minutes), and checks every pushed entry was stored exactly once.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.send_support import bench_env, free_port  # noqa: E402

FEED_SIZE = 20


def run_once(pushes: int) -> dict[str, float]:
    from sqlalchemy import func, select

    from config import Config
    from digest.app import create_app, upgrade_database
    from digest.context import current_settings
    from digest.extensions import db
    from digest.ingest.poll import poll_newsletter_sources
    from digest.models import Article, HubSubscription, Newsletter, Source, SourceKind
    from digest.schedule.websub import ask_due_hubs
    from tests.support.hub import Hub, Publisher, atom_feed
    from tests.support.live import live_server

    folder = Path(tempfile.mkdtemp(prefix="websub-bench-"))
    port = free_port()
    env = bench_env(
        f"sqlite:///{folder / 'digest.sqlite3'}",
        25,
        base_url=f"http://127.0.0.1:{port}",
        allow_private_fetch="true",
        log_level="WARNING",
    )
    app = create_app(Config(env))
    hub, publisher = Hub().start(), Publisher().start()
    entries = [(f"old-{i}", f"Old story {i}") for i in range(FEED_SIZE)]
    publisher.document = atom_feed(entries, hub.url, publisher.url)
    with app.app_context(), live_server(app, port) as base:
        upgrade_database(app)
        newsletter = Newsletter(slug="river", title="River", from_email="n@digest.example.org")
        db.session.add(
            Source(
                newsletter=newsletter, kind=SourceKind.FEED, location=publisher.url, name="River"
            )
        )
        db.session.commit()
        list(poll_newsletter_sources(current_settings().ingest))
        started = time.perf_counter()
        ask_due_hubs()
        hub.wait_for_verifications(1)
        subscribed = time.perf_counter() - started
        subscription = db.session.scalars(select(HubSubscription)).one()
        callback, secret = f"{base}/websub/{subscription.id}", subscription.secret
        times = []
        for number in range(pushes):
            entries = [(f"new-{number}", f"Fresh story {number}"), *entries[: FEED_SIZE - 1]]
            body = atom_feed(entries, hub.url, publisher.url).encode()
            started = time.perf_counter()
            status = hub.deliver(callback, body, secret)
            times.append(time.perf_counter() - started)
            assert status == 202, status
        db.session.expire_all()
        fresh = db.session.scalar(select(func.count()).where(Article.title.like("Fresh story %")))
        assert fresh == pushes, (fresh, pushes)
    hub.stop()
    publisher.stop()
    times.sort()
    return {
        "subscribed": subscribed,
        "p10": times[len(times) // 10],
        "p50": statistics.median(times),
        "p90": times[len(times) * 9 // 10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pushes", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per delivery
    runs = [run_once(args.pushes) for _ in range(args.repeat)]
    figure = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    spread = [round(run["p50"] * 1000, 1) for run in runs]
    print(f"subscription, request to verified: {figure['subscribed'] * 1000:.0f} ms")
    print(
        f"push to candidate pool: median {figure['p50'] * 1000:.1f} ms "
        f"(p10 {figure['p10'] * 1000:.1f}, p90 {figure['p90'] * 1000:.1f}; "
        f"run medians {spread}), {args.pushes} pushes x {args.repeat} runs, all stored once"
    )
    poll_wait = 15 * 60
    ratio = poll_wait / figure["p50"]
    print(f"a poll every 30 minutes waits {poll_wait} s on average: {ratio:,.0f}x longer")


if __name__ == "__main__":
    main()
