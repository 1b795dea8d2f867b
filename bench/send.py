"""Delivery throughput against Postfix's smtp-sink, next to a plain smtplib ceiling.

Run from the repository root: .venv/bin/python bench/send.py [--connections 2] [--large 0]

(a) the ceiling: threads, one smtplib connection each, sending one pre-rendered
    digest of the same size to distinct recipients;
(b) digest's whole path over as many connections: release (freeze + one delivery
    row per subscriber), claim, re-check, personalise, send, mark each row sent,
    for 10,000 subscribers in a SQLite file.
Prints both rates and (b)/(a); then the peak RSS of the sending process at 10,000
and 100,000 subscribers (each send runs in a fresh child process, the database
prepared beforehand by the parent), and the time to compile the edition once
against the time to personalise (and fully build) one subscriber's message.

Needs /usr/sbin/smtp-sink (Debian: apt-get install postfix); skips without it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
ARTICLES = 190
SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "shi", "pel", "dor", "an", "ex", "qui", "bra"]


def main() -> None:
    options = parse_arguments()
    if options.child:
        return run_child(options)
    if not os.access(SMTP_SINK, os.X_OK):
        print(f"SKIP: {SMTP_SINK} not found (apt-get install postfix provides smtp-sink)")
        return None
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder, SmtpSink() as sink:
        run_bench(Path(folder), sink.port, options)
    return None


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000, help="0 skips the memory run")
    parser.add_argument("--child", nargs=4, metavar=("DB", "EDITION", "PORT", "BATCH"))
    return parser.parse_args()


def run_bench(folder: Path, port: int, options: argparse.Namespace) -> None:
    connections = options.connections
    template_db = folder / "template.sqlite3"
    edition_id = prepare_edition(template_db)
    compile_seconds, personalise_seconds, build_seconds, message, html_bytes = time_rendering(
        template_db, edition_id
    )
    print(
        f"digest: {len(message):,} bytes per message ({html_bytes:,} bytes of HTML, "
        "quoted-printable)"
    )
    ceiling = smtplib_ceiling(port, message, options.subscribers, connections)
    print(f"(a) plain smtplib, {connections} connections: {ceiling:,.0f} msg/s")
    result = send_in_child(folder, template_db, edition_id, options.subscribers, port, 50)
    rate = result["sent"] / result["seconds"]
    print(
        f"(b) digest release+claim+personalise+send+mark, {options.subscribers:,} subscribers: "
        f"{rate:,.0f} msg/s ({result['seconds']:.1f} s)"
    )
    print(f"(b)/(a) = {rate / ceiling:.2f}  (goal >= 0.9)")
    print_memory(options.subscribers, result)
    if options.large:
        large = send_in_child(folder, template_db, edition_id, options.large, port, 500)
        print(f"    {options.large:,} subscribers: {large['sent'] / large['seconds']:,.0f} msg/s")
        print_memory(options.large, large)
    print(
        f"compile once: {compile_seconds * 1e3:.1f} ms; personalise one subscriber: "
        f"{personalise_seconds * 1e6:.1f} us ({personalise_seconds / compile_seconds:.3%}); "
        f"whole message for one subscriber: {build_seconds * 1e6:.1f} us "
        f"({build_seconds / compile_seconds:.3%})"
    )


def print_memory(subscribers: int, result: dict) -> None:
    print(
        f"peak RSS sending to {subscribers:,}: {result['peak_kb'] / 1024:.1f} MB "
        f"(ready to send: {result['ready_kb'] / 1024:.1f} MB, "
        f"growth {(result['peak_kb'] - result['ready_kb']) / 1024:.1f} MB)"
    )


class SmtpSink:
    """Postfix's smtp-sink on a free port: accepts everything, keeps nothing."""

    def __enter__(self) -> SmtpSink:
        self.port = free_port()
        self.process = subprocess.Popen(
            [SMTP_SINK, "-u", "nobody", f"127.0.0.1:{self.port}", "256"], stdout=subprocess.DEVNULL
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("smtp-sink did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(database: Path, port: int, batch: int = 50, connections: int = 2) -> dict:
    return {
        "DIGEST_ENV": "development",
        "DIGEST_DATABASE_URL": f"sqlite:///{database}",
        "DIGEST_BASE_URL": "https://digest.example.org",
        "DIGEST_MAIL_FROM": "news@digest.example.org",
        "DIGEST_RATELIMIT_ENABLED": "false",
        "DIGEST_SMTP_PORT": str(port),
        "DIGEST_SMTP_CONNECTIONS": str(connections),
        "DIGEST_SEND_BATCH": str(batch),
    }


def make_app(database: Path, port: int = 25, batch: int = 50, connections: int = 2):
    from config import Config
    from digest.app import create_app

    return create_app(Config(bench_env(database, port, batch, connections)))


def prepare_edition(database: Path) -> int:
    """A migrated SQLite file with one built (unreleased) edition of about 100 KB of HTML."""
    import flask_migrate

    app = make_app(database)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        runner = app.test_cli_runner()
        articles = write_articles(database.parent / "articles")
        for args in (
            ["newsletter", "create", "bench", "--title", "Bench Digest"],
            ["import", str(articles), "--newsletter", "bench"],
        ):
            check(runner.invoke(args=["digest", *args]))
        built = check(runner.invoke(args=["digest", "build", "bench"]))
        from digest.extensions import db

        db.session.remove()
        db.engine.dispose()
    return int(built.strip().splitlines()[-1])


def check(result) -> str:
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return result.output


def write_articles(folder: Path) -> Path:
    """Articles of made-up words, so none clusters with another into one story."""
    rng = random.Random(7)
    vocabulary = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(6000)})
    folder.mkdir()
    for number in range(ARTICLES):
        title = " ".join(rng.choices(vocabulary, k=rng.randint(6, 9))).capitalize()
        paragraphs = [
            " ".join(
                " ".join(rng.choices(vocabulary, k=rng.randint(10, 16))).capitalize() + "."
                for _ in range(3)
            )
            for _ in range(4)
        ]
        (folder / f"a{number:03}.txt").write_text(f"{title}\n\n" + "\n\n".join(paragraphs))
    return folder


def add_subscribers(database: Path, count: int) -> None:
    """count active subscribers, inserted in chunks so the parent stays small too."""
    from sqlalchemy import insert, literal, select

    from digest.extensions import db
    from digest.models import Newsletter, Subscriber, Subscription, utcnow

    app = make_app(database)
    with app.app_context():
        newsletter_id = db.session.scalar(select(Newsletter.id))
        for start in range(0, count, 10_000):
            stop = min(count, start + 10_000)
            db.session.execute(
                insert(Subscriber),
                [
                    {"email": f"reader{n}@example.net", "name": f"Reader {n}"}
                    for n in range(start, stop)
                ],
            )
        now = utcnow()
        db.session.execute(
            insert(Subscription).from_select(
                ["newsletter_id", "subscriber_id", "status", "topics", "created_at"],
                select(
                    literal(newsletter_id),
                    Subscriber.id,
                    literal("active"),
                    literal("[]"),
                    literal(now, type_=Subscription.created_at.type),
                ),
            )
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def time_rendering(database: Path, edition_id: int) -> tuple[float, float, float, bytes, int]:
    """Compile (median of 5), personalise and whole-message build (means of 2,000)."""
    from digest.deliver.message import Addressee, MessageTemplate, Sender
    from digest.edition.snapshot import make_snapshot
    from digest.extensions import db
    from digest.models import Edition, utcnow
    from digest.render import Recipient, compile_for_topics, parse_snapshot, personalise

    app = make_app(database)
    with app.app_context():
        view = parse_snapshot(make_snapshot(db.session.get(Edition, edition_id)))
        db.session.remove()
        db.engine.dispose()
    compile_times = []
    for _ in range(5):
        started = time.perf_counter()
        compiled = compile_for_topics(view, None)
        compile_times.append(time.perf_counter() - started)
    template = MessageTemplate(
        compiled,
        Sender(
            "Bench Digest",
            "news@digest.example.org",
            "Bench <bench.digest.example.org>",
            "mailto:news@digest.example.org",
        ),
    )
    recipients = [
        Recipient(
            email=f"reader{n}@example.net",
            name=f"Reader {n}",
            unsubscribe_url=f"https://digest.example.org/unsubscribe/{n:040x}",
            preferences_url=f"https://digest.example.org/preferences/{n:040x}",
        )
        for n in range(2000)
    ]
    started = time.perf_counter()
    for recipient in recipients:
        personalise(compiled, recipient)
    personalise_seconds = (time.perf_counter() - started) / len(recipients)
    started = time.perf_counter()
    for n, recipient in enumerate(recipients):
        message = template.render(Addressee(recipient, f"<{n}@digest.example.org>", utcnow()))
    build_seconds = (time.perf_counter() - started) / len(recipients)
    html_bytes = len(compiled.html.encode())
    return statistics.median(compile_times), personalise_seconds, build_seconds, message, html_bytes


def smtplib_ceiling(port: int, message: bytes, total: int, connections: int) -> float:
    """Messages per second of bare smtplib loops, one thread and connection each."""
    share = total // connections

    def loop(worker: int) -> None:
        client = smtplib.SMTP("127.0.0.1", port, timeout=30)
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


def send_in_child(
    folder: Path, template_db: Path, edition_id: int, subscribers: int, port: int, batch: int
) -> dict:
    database = folder / f"send{subscribers}.sqlite3"
    shutil.copy(template_db, database)
    add_subscribers(database, subscribers)
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(database),
            str(edition_id),
            str(port),
            str(batch),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_child(options: argparse.Namespace) -> None:
    """In a fresh process: send the edition with digest's own code and report."""
    from digest.deliver import send_edition

    database, edition_id, port, batch = options.child
    app = make_app(Path(database), int(port), int(batch), options.connections)
    ready_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    counts = send_edition(app, int(edition_id))
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "sent": counts["sent"],
                "seconds": seconds,
                "ready_kb": ready_kb,
                "peak_kb": peak_kb,
                "counts": counts,
            }
        )
    )


if __name__ == "__main__":
    main()
