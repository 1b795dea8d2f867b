"""Delivery throughput against Postfix's smtp-sink, next to a plain smtplib ceiling, in one run.

Run from the repository root:
    .venv/bin/python bench/send.py [--subscribers 20000] [--large 1000000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:54329/postgres]

(a) the ceiling: a bare smtplib loop sending one pre-rendered digest of the same size
    to distinct recipients, best of 1 and 4 connections (one thread each);
(b) the whole CLI path, process start included: `flask digest send` (release, claim,
    re-check, personalise, send, mark each row) for --subscribers in a SQLite file,
    with the default settings; (b)/(a), goal >= 0.9;
(c) queue mode (needs --postgres or DIGEST_BENCH_POSTGRES_URL, and redis-server): the
    same send through 1, 2 and 4 worker processes (`digest worker`, already running;
    the clock runs from `digest send` starting to its end), each rate and its ratio to one;
(d) memory: a release and send of --subscribers and of --large subscribers through two
    workers, with the peak RSS of the coordinating `digest send` and of each worker;
    flat means the large send peaks no higher than the small one.

Needs /usr/sbin/smtp-sink (Debian: apt-get install postfix); skips without it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send_support import (  # noqa: E402
    ROOT,
    SMTP_SINK,
    Workers,
    add_subscribers,
    bench_env,
    flask_command,
    make_app,
    prepare_edition,
    redis_server,
    run_timed,
    smtp_sink,
)

sys.path.insert(0, str(ROOT))
PREPARED: set[str] = set()  # databases of N subscribers made in this run


def main() -> None:
    options = parse_arguments()
    if not os.access(SMTP_SINK, os.X_OK):
        print(f"SKIP: {SMTP_SINK} not found (apt-get install postfix provides smtp-sink)")
        return
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder, smtp_sink() as sink:
        folder = Path(folder)
        template = folder / "template.sqlite3"
        edition_id = prepare_edition(f"sqlite:///{template}", folder)
        message = sample_message(template, edition_id)
        print(f"digest: {len(message):,} bytes per message; {options.subscribers:,} subscribers")
        if "b" in options.parts or options.sweep:
            ceiling = best_ceiling(sink.port, message, options.subscribers)
        if "b" in options.parts:
            cli_path(folder, template, edition_id, sink.port, options.subscribers, ceiling)
        for connections, batch in options.sweep:
            cli_path(
                folder,
                template,
                edition_id,
                sink.port,
                options.subscribers,
                ceiling,
                smtp_connections=connections,
                send_batch=batch,
            )
        if options.postgres:
            queue_mode(folder, options, sink.port, edition_id)
        else:
            print("(c), (d) SKIP: no PostgreSQL (--postgres or DIGEST_BENCH_POSTGRES_URL)")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=1_000_000, help="0 skips (d)")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--postgres", default=os.environ.get("DIGEST_BENCH_POSTGRES_URL"))
    parser.add_argument("--parts", default="bcd", help="which of (a)+(b), (c), (d) to run")
    parser.add_argument(
        "--sweep", default="", help="extra (b) runs as CONNECTIONSxBATCH,... e.g. 4x50,4x200"
    )
    options = parser.parse_args()
    options.sweep = [tuple(int(n) for n in s.split("x")) for s in options.sweep.split(",") if s]
    return options


def sample_message(template: Path, edition_id: int) -> bytes:
    """One subscriber's whole message, as the sender builds it."""
    from digest.deliver.dispatch import prepare
    from digest.deliver.ledger import RowToSend
    from digest.edition.snapshot import make_snapshot
    from digest.extensions import db
    from digest.models import Edition, SubscriberStatus, SubscriptionStatus

    app = make_app(f"sqlite:///{template}")
    with app.app_context():
        edition = db.session.get(Edition, edition_id)
        edition.snapshot = make_snapshot(edition, app.extensions["digest.settings"].edition)
        edition.released_at = edition.created_at
        composer = prepare(edition, app.extensions["digest.settings"])
        row = RowToSend(
            1,
            "<1@digest.example.org>",
            0,
            1,
            "reader1@example.net",
            "Reader 1",
            SubscriberStatus.OK,
            1,
            SubscriptionStatus.ACTIVE,
            [],
            0,
            True,
        )
        data = composer.compose(row)
        db.session.rollback()
        db.engine.dispose()
    return data


def best_ceiling(port: int, message: bytes, total: int) -> float:
    rates = {n: smtplib_rate(port, message, total, n) for n in (1, 4)}
    best = max(rates, key=rates.get)
    shown = ", ".join(f"{n} connection(s) {r:,.0f} msg/s" for n, r in rates.items())
    print(f"(a) plain smtplib: {shown}; best {rates[best]:,.0f}")
    return rates[best]


def smtplib_rate(
    port: int, message: bytes, total: int, connections: int, host: str = "127.0.0.1"
) -> float:
    """Messages per second of bare smtplib loops, one thread and connection each."""
    share = total // connections

    def loop(worker: int) -> None:
        client = smtplib.SMTP(host, port, timeout=30)
        for n in range(share):
            client.sendmail("news@digest.example.org", [f"r{worker}x{n}@example.net"], message)
        client.quit()

    threads = [threading.Thread(target=loop, args=(w,)) for w in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return share * connections / (time.perf_counter() - started)


def cli_path(folder, template, edition_id, port, subscribers, ceiling, **settings) -> None:
    database = folder / "cli.sqlite3"
    shutil.copy(template, database)
    add_subscribers(f"sqlite:///{database}", subscribers)
    env = bench_env(f"sqlite:///{database}", port, **settings)
    seconds, _, out = run_timed(flask_command("send", str(edition_id)), env)
    assert f"sent {subscribers}," in out, out
    rate = subscribers / seconds
    label = ", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
    print(
        f"(b) `flask digest send`, whole process ({label}): {rate:,.0f} msg/s "
        f"({seconds:.1f} s); (b)/(a) = {rate / ceiling:.2f}  (goal >= 0.9)"
    )


def queue_mode(folder: Path, options, port: int, _sqlite_edition: int) -> None:
    admin = create_engine(options.postgres, isolation_level="AUTOCOMMIT")
    base = database_url(options.postgres, "bench_base")
    recreate(admin, "bench_base")
    edition_id = prepare_edition(base, folder)
    with redis_server() as redis:
        rates = {}
        for count in [int(n) for n in options.workers.split(",") if "c" in options.parts]:
            seconds, *_ = queue_send(
                admin, options, port, redis.port, edition_id, folder, options.subscribers, count
            )
            rates[count] = options.subscribers / seconds
            print(
                f"(c) queue mode, {count} worker(s) x {options.threads} threads: "
                f"{rates[count]:,.0f} msg/s ({seconds:.1f} s); "
                f"ratio to one worker {rates[count] / next(iter(rates.values())):.2f}"
            )
        if options.large and "d" in options.parts:
            for size in (options.subscribers, options.large):
                seconds, coordinator, workers = queue_send(
                    admin, options, port, redis.port, edition_id, folder, size, 2
                )
                shown = ", ".join(f"{kb / 1024:.0f} MB" for kb in workers)
                print(
                    f"(d) {size:,} subscribers through 2 workers: {size / seconds:,.0f} msg/s "
                    f"({seconds:.0f} s); peak RSS: digest send {coordinator / 1024:.0f} MB, "
                    f"workers {shown}"
                )
    admin.dispose()


def queue_send(admin, options, port, redis_port, edition_id, folder, size, workers):
    """Release and send `size` subscribers through `workers` running worker processes."""
    name = f"bench_s{size}"
    if name not in PREPARED:
        PREPARED.add(name)
        recreate(admin, name, template="bench_base")
        add_subscribers(database_url(options.postgres, name), size)
    recreate(admin, "bench_run", template=name)
    url = database_url(options.postgres, "bench_run")
    env = bench_env(url, port, broker_url=f"redis://127.0.0.1:{redis_port}/0")
    with Workers(workers, env, options.threads, folder) as running:
        seconds, coordinator, out = run_timed(flask_command("send", str(edition_id)), env)
        assert f"sent {size}," in out, out
        peaks = running.peaks_kb()
    return seconds, coordinator, peaks


def database_url(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def recreate(admin, name: str, template: str | None = None) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))


if __name__ == "__main__":
    main()
