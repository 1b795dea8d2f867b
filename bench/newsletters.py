"""Newsletters mailed in: reading one (digest.ingest.mail, pure) per fixture shape, and the time
the sending MTA waits for our 250 when the reading happens after it (the real inbound server
on SQLite, keeping the mail only) against reading it before answering.

Usage: python bench/newsletters.py [--rounds N]
Prints medians with the spread (lowest and highest quartile) of each.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.ingest.mail import read_newsletter_mail  # noqa: E402

LETTERS = ROOT / "tests" / "ingest" / "newsletters"
WEB = "https://news.example"


def filled(name: str, address: str, web: str = WEB) -> bytes:
    raw = (LETTERS / name).read_bytes().replace(b"in+SOURCE@inbound.test", address.encode())
    return raw.replace(b"HTTPBASE", web.encode()).replace(b"\n", b"\r\n")


def spread(samples: list[float]) -> str:
    q1, median, q3 = statistics.quantiles(samples, n=4)
    return f"median {median * 1000:.2f} ms (quartiles {q1 * 1000:.2f}-{q3 * 1000:.2f})"


def time_reading(rounds: int) -> None:
    for path in sorted(LETTERS.glob("*.eml")):
        raw = filled(path.name, "in+1.x@inbound.test")
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            read_newsletter_mail(raw)
            samples.append(time.perf_counter() - started)
        print(f"read {path.name:<20} {spread(samples)}")


def time_smtp(rounds: int) -> None:
    """MAIL..DATA..250 for one newsletter: kept only (the server's way) against kept and read."""
    from config import Config
    from digest.app import create_app, upgrade_database
    from digest.deliver.inbound.smtpd import InboundHandler, start_server
    from digest.extensions import db
    from digest.ingest.inaddress import source_address
    from digest.ingest.inbox import add_mail_source, read_kept_mails
    from digest.models import Newsletter
    from digest.schedule.inbound import accepts, receive
    from tests.support.newsletters import NewsletterWeb  # trackers and story pages, on loopback

    folder = tempfile.mkdtemp(prefix="digest-bench-")
    env = {
        "DIGEST_ENV": "test", "DIGEST_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "DIGEST_SECRET_KEY": "bench", "DIGEST_BASE_URL": "http://digest.test",
        "DIGEST_MAIL_FROM": "news@inbound.test", "DIGEST_ALLOW_PRIVATE_FETCH": "true",
    }  # fmt: skip
    app = create_app(Config(env))
    with app.app_context():
        upgrade_database(app)
        newsletter = Newsletter(slug="bench", title="Bench", from_email="news@inbound.test")
        db.session.add(newsletter)
        source = add_mail_source(newsletter, "Letters")
        db.session.commit()
        address = source_address(source.id, app.extensions["digest.settings"])

    def read_now(mail):
        outcome = receive(app, mail)
        with app.app_context():
            list(read_kept_mails(app.extensions["digest.settings"].ingest, outcome.source_mail_ids))
        return outcome

    web = NewsletterWeb()
    for label, deliver in (("kept, read after 250", None), ("kept and read before 250", read_now)):
        handler = InboundHandler(lambda a: accepts(app, a), deliver or (lambda m: receive(app, m)))
        server = start_server(handler, "127.0.0.1", 27042)
        samples = []
        for n in range(rounds):
            raw = filled("linklist.eml", address, web.base)
            raw = raw.replace(b"Subject: ", f"Subject: {label} {n} ".encode())
            raw = raw.replace(b"Message-ID: <", f"Message-ID: <{label}-{n}-".encode())  # new mail
            with smtplib.SMTP("127.0.0.1", 27042, timeout=30) as client:
                started = time.perf_counter()
                client.sendmail("letters@sender.example", [address], raw)
                samples.append(time.perf_counter() - started)
        server.stop()
        handler.close()
        print(f"smtp {label:<26} {spread(samples)}")
    web.__exit__()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    time_reading(rounds)
    time_smtp(max(rounds // 4, 20))


if __name__ == "__main__":
    main()
