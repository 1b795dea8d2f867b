"""The subscribe endpoint under load: gunicorn, 50 concurrent visitors, 30 seconds.

Usage: python bench/web.py [--clients 50] [--seconds 30] [--workers 2] [--threads 4]
       [--database-url postgresql+psycopg://...]   (default: a fresh SQLite file)

Each visitor opens /subscribe/<newsletter> once (for its CSRF cookie and token), then
posts the form as fast as answers come back: four in five posts carry an address never
seen before, one in five repeats an address already posted (the no-enumeration path).
A real SMTP server (aiosmtpd) counts the confirmation mails. In the same run, the GET of
the same page is measured as the baseline (render only, no write, no mail).

Prints requests/s, p50 / p99 latency, server errors (must be 0), and whether the
confirmation mails equal the distinct new addresses (at most one a day per address).
The per-visitor rate limit is switched off: every visitor here comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.smtp import SmtpServer, free_port  # noqa: E402  (a real SMTP server)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Tally:
    """What the visitors saw; each visitor writes its own, merged at the end."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    new_addresses: set[str] = field(default_factory=set)
    failures: int = 0  # connection errors (not HTTP answers)

    def count(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.new_addresses |= other.new_addresses
        self.failures += other.failures


def main() -> None:
    options = _options()
    folder = Path(tempfile.mkdtemp(prefix="digest-web-bench-"))
    smtp = SmtpServer().start()
    port = free_port()
    env = _environment(options, folder, smtp.port, port)
    try:
        _prepare(env)
        server = _gunicorn(env, port, options)
        try:
            _wait_until_up(port)
            _load(port, options.clients, 3, post=False)  # warm-up: imports, templates, pools
            baseline = _load(port, options.clients, options.baseline_seconds, post=False)
            load = _load(port, options.clients, options.seconds, post=True)
            mails = _settled_mail_count(smtp, len(load.new_addresses))
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        smtp.stop()
        shutil.rmtree(folder, ignore_errors=True)
    _report(options, baseline, load, mails)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url")
    return parser.parse_args()


def _environment(options, folder: Path, smtp_port: int, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DIGEST_ENV": "production",
        "DIGEST_DATABASE_URL": options.database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
        "DIGEST_SECRET_KEY": "bench-secret",
        "DIGEST_BASE_URL": f"http://127.0.0.1:{port}",
        "DIGEST_MAIL_FROM": "news@bench.test",
        "DIGEST_SMTP_HOST": "127.0.0.1",
        "DIGEST_SMTP_PORT": str(smtp_port),
        "DIGEST_RATELIMIT_ENABLED": "false",
    }


def _prepare(env: dict[str, str]) -> None:
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]
    run = dict(cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "db", "upgrade", "-d", "migrations"], **run)
    subprocess.run([*flask, "digest", "newsletter", "create", "city", "--title", "City"], **run)


def _gunicorn(env: dict[str, str], port: int, options) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(options.workers)]
    command += ["--threads", str(options.threads), "--worker-class", "gthread"]
    command += ["--log-level", "warning", "--keep-alive", "30", "wsgi:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/subscribe/city")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def _load(port: int, clients: int, seconds: float, *, post: bool) -> Tally:
    tallies = [Tally() for _ in range(clients)]
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_visitor, args=(port, n, stop_at, post, tallies[n]))
        for n in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    total.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
    return total


def _visitor(port: int, number: int, stop_at: float, post: bool, tally: Tally) -> None:
    """One visitor on one keep-alive connection: a GET for the token, then posts until time."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookie, token = _open_form(connection)
    rng = random.Random(number)
    sent: list[str] = []
    serial = 0
    while time.monotonic() < stop_at:
        if not post:
            _timed(connection, tally, "GET", "/subscribe/city", None, cookie)
            continue
        if sent and rng.random() < 0.2:
            address = rng.choice(sent)
        else:
            serial += 1
            address = f"v{number}-{serial}@example.org"
        body = urlencode({"csrf_token": token, "email": address, "topics": []}, doseq=True)
        status = _timed(connection, tally, "POST", "/subscribe/city", body, cookie)
        if status == 200 and address not in sent:
            sent.append(address)
            tally.new_addresses.add(address)
    connection.close()


def _open_form(connection: http.client.HTTPConnection) -> tuple[str, str]:
    connection.request("GET", "/subscribe/city")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
    return cookie, TOKEN.search(page).group(1)


def _timed(connection, tally: Tally, method: str, path: str, body, cookie: str) -> int:
    headers = {"Cookie": cookie}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        tally.failures += 1
        connection.close()
        return 0
    tally.count(response.status, time.perf_counter() - started)
    return response.status


def _settled_mail_count(smtp: SmtpServer, expected: int, timeout: float = 120) -> int:
    """Confirmation mails leave after the answer: wait until they stop arriving."""
    deadline = time.monotonic() + timeout
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(smtp.received)
        quiet = time.monotonic() - quiet_since
        if count != last:
            last, quiet_since = count, time.monotonic()
        elif quiet > (2 if count >= expected else 10):
            break
        time.sleep(0.25)
    return len(smtp.received)


def _report(options, baseline: Tally, load: Tally, mails: int) -> None:
    def line(name: str, tally: Tally) -> float:
        rate = len(tally.latencies) / tally.elapsed  # type: ignore[attr-defined]
        latencies = sorted(tally.latencies) or [0.0]
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        print(f"{name:36} {rate:8.1f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
        return rate

    print(
        f"gunicorn gthread, {options.workers} workers x {options.threads} threads; "
        f"{options.clients} concurrent clients"
    )
    base_rate = line(f"GET /subscribe/city ({options.baseline_seconds:.0f} s)", baseline)
    rate = line(f"POST /subscribe/city ({options.seconds:.0f} s)", load)
    errors = sum(n for status, n in load.statuses.items() if status >= 500)
    errors += sum(n for status, n in baseline.statuses.items() if status >= 500)
    print(f"ratio POST / GET: {rate / base_rate:.2f}")
    print(f"answers: {dict(sorted(load.statuses.items()))}; connection failures {load.failures}")
    print(f"server errors (5xx): {errors} -> {'OK' if errors == 0 else 'FAIL'}")
    distinct = len(load.new_addresses)
    verdict = "OK" if mails == distinct else "FAIL"
    print(f"confirmation mails {mails} vs distinct new addresses {distinct} -> {verdict}")


if __name__ == "__main__":
    main()
