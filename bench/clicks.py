"""A click storm on the tracked-link redirect: gunicorn, 200 concurrent clients, 60 seconds.

Usage: python bench/clicks.py [--clients 200] [--seconds 60] [--repeat 1] [--workers 2]
       [--threads 8] [--database sqlite,postgresql] [--postgres postgresql+psycopg://...]
       [--stories 30]

One sent edition of `--stories` stories (in five sections) waits in a fresh database; its
statistics window is open and no click has come yet, so the first clicks also race to make
the edition's salt, as they would the minute a newsletter goes out. `wrk` (Debian's package:
`apt-get install wrk`) holds `--clients` keep-alive connections from two threads and follows
no redirect: each request is a click on one of the stories, round robin, from one of 5,000
browser user agents (so the clicks come from many visitors, as in a real storm). A warm-up
of 3 seconds comes first (imports, connection pools); its clicks count too. Then two runs:
flat out (each client clicks again as soon as its answer came: the site's capacity, and the
latency of a queue 200 deep, which by Little's law is 200 / rate), and at a reader's pace
(each client pauses 0.5 to 1.5 x `--think-ms` between clicks, 500 ms by default: a storm of
200 readers who each click about twice a second, the latency a reader sees).

For each database (a SQLite file in a temporary folder; PostgreSQL from `--postgres`, else a
throwaway cluster of /usr/lib/postgresql/15/bin on a free port, as .ci/postgres makes one,
with fsync off) it prints requests per second, p50 / p99 latency (medians over `--repeat`
runs), answers other than 302 and connection errors (both must be 0), the machine's load
average before the run, and whether the clicks stored per story equal the 302 answers wrk
got for that story's URL (its Location), summed over the warm-up and the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.send_support import bench_env, free_port  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
GRACE = 11  # seconds for the clicks in flight when clicking stops (wrk's timeout is 10 s)
SECTIONS = ["City", "Sport", "Science", "Culture", "Business"]

# wrk's script: round-robin over the paths, one of 5,000 browser agents a request; each
# thread counts its answers by status and by Location, summed in done().
LUA = r"""
local paths = {%(paths)s}
local stop_at = %(stop_at)d  -- no click leaves after this (epoch seconds); those in flight end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  n = math.random(0, #paths - 1)
  statuses = {}
  locations = {}
end
function delay()
  if os.time() >= stop_at then return 3600000 end
  if %(think)d == 0 then return 0 end
  return math.random(%(think)d / 2, %(think)d * 3 / 2)  -- readers do not click in step
end
function request()
  n = n + 1
  local agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 reader-" .. (n %% 5000)
  return wrk.format("GET", paths[(n %% #paths) + 1], {["User-Agent"] = agent})
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local to = headers["Location"]
  if to then locations[to] = (locations[to] or 0) + 1 end
end
function done(summary, latency, requests)
  local s, l = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do s[tostring(k)] = (s[tostring(k)] or 0) + v end
    for k, v in pairs(t:get("locations")) do l[k] = (l[k] or 0) + v end
  end
  local e = summary.errors
  local parts = {}
  for k, v in pairs(s) do table.insert(parts, string.format('"%%s": %%d', k, v)) end
  local where = {}
  for k, v in pairs(l) do table.insert(where, string.format('"%%s": %%d', k, v)) end
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, '
    .. '"errors": %%d, "timeouts": %%d, "statuses": {%%s}, "locations": {%%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write, e.timeout,
    table.concat(parts, ", "), table.concat(where, ", ")))
end
"""


@dataclass
class Phase:
    """One stretch of clicking: its rate, latency and the load average before it."""

    rate: float
    p50_ms: float
    p99_ms: float
    load: float


@dataclass
class Run:
    """A fresh database clicked flat out, then at a reader's pace; every click checked."""

    flat: Phase
    paced: Phase
    failed: int  # answers other than 302 and connection errors, in every phase
    stored: Counter
    answered: Counter

    @property
    def exact(self) -> bool:
        return self.stored == self.answered


def main() -> None:
    options = _options()
    if not shutil.which("wrk"):
        print("bench/clicks.py SKIP: it needs wrk (apt-get install wrk)")
        return
    print(
        f"gunicorn gthread, {options.workers} workers x {options.threads} threads; wrk, "
        f"{options.clients} concurrent clients, {options.seconds:.0f} s a run, "
        f"{options.repeat} run(s); {os.cpu_count()} cores"
    )
    for kind in options.database.split(","):
        runs = []
        for _ in range(options.repeat):
            with (
                tempfile.TemporaryDirectory(prefix="digest-clicks-bench-") as folder,
                _database(kind, Path(folder), options) as url,
            ):
                runs.append(_one_run(url, Path(folder), options))
        _report(kind, runs, options.think_ms)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("DIGEST_BENCH_POSTGRES_URL"))
    parser.add_argument("--stories", type=int, default=30)
    parser.add_argument("--think-ms", type=int, default=500)
    return parser.parse_args()


class _database:
    """A fresh database of the kind asked for; its URL. PostgreSQL: a database made on
    --postgres, else a throwaway cluster of its own, stopped and removed on exit."""

    def __init__(self, kind: str, folder: Path, options) -> None:
        self.kind, self.folder, self.options = kind, folder, options
        self.cluster: Path | None = None

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / 'clicks.sqlite3'}"
        if self.kind != "postgresql":
            sys.exit(f"--database: sqlite or postgresql, not {self.kind}")
        if self.options.postgres:
            return _fresh_database(self.options.postgres)
        self.cluster = self.folder / "pg"
        self.port = free_port()
        env = {**os.environ, "DIGEST_PG_DIR": str(self.cluster), "DIGEST_PG_PORT": str(self.port)}
        os.chmod(self.folder, 0o755)  # the postgres user runs the cluster inside it
        subprocess.run([str(ROOT / ".ci" / "postgres"), "start"], env=env, check=True)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/digest_test"

    def __exit__(self, *exc) -> None:
        if self.cluster is not None:
            env = {**os.environ, "DIGEST_PG_DIR": str(self.cluster), "DIGEST_PG_PORT": "0"}
            subprocess.run([str(ROOT / ".ci" / "postgres"), "stop"], env=env, check=False)


def _fresh_database(url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "bench_clicks" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "bench_clicks"'))
    admin.dispose()
    return make_url(url).set(database="bench_clicks").render_as_string(hide_password=False)


def _one_run(url: str, folder: Path, options) -> Run:
    port = free_port()
    env = bench_env(url, 25, base_url=f"http://127.0.0.1:{port}", secret_key="bench-clicks")
    env["DIGEST_ENV"] = "production"
    edition_id, paths = _prepare(env, options.stories)
    script = folder / "clicks.lua"
    server = _gunicorn(env, port, options)
    results, phases = [], []
    try:
        _wait_until_up(port)
        results.append(_wrk(port, script, paths, options.clients, 3))  # warm-up
        for think in (0, options.think_ms):
            load = os.getloadavg()[0]
            result = _wrk(port, script, paths, options.clients, options.seconds, think)
            results.append(result)
            rate = result["requests"] / result["seconds"]
            phases.append(Phase(rate, result["p50_us"] / 1000, result["p99_us"] / 1000, load))
    finally:
        server.terminate()
        server.wait(timeout=30)
    answered = sum((Counter(r["locations"]) for r in results), Counter())
    failed = sum(n for r in results for s, n in r["statuses"].items() if s != "302")
    failed += sum(r["errors"] + r["timeouts"] for r in results)
    return Run(phases[0], phases[1], failed, _stored(env, edition_id), answered)


def _prepare(env: dict[str, str], stories: int) -> tuple[int, list[str]]:
    """A migrated database with one sent edition of `stories` stories; the click paths."""
    from config import Config
    from digest.app import create_app, upgrade_database
    from digest.context import current_settings
    from digest.extensions import db
    from digest.links import click_token
    from digest.models import Edition, EditionStatus, Newsletter, utcnow

    app = create_app(Config(env))
    upgrade_database(app)
    with app.app_context():
        newsletter = Newsletter(slug="storm", title="Storm", from_email="news@bench.test")
        sections: list[dict] = [{"name": name, "stories": []} for name in SECTIONS]
        for n in range(stories):
            sections[n % len(SECTIONS)]["stories"].append(
                {"title": f"Story {n}", "url": f"https://news.example.org/story-{n}"}
            )
        now = utcnow()
        edition = Edition(
            newsletter=newsletter,
            slot=now - timedelta(hours=1),
            subject="Storm #1",
            status=EditionStatus.SENT,
            snapshot={"sections": sections},
            released_at=now - timedelta(minutes=5),
        )
        db.session.add(edition)
        db.session.commit()
        links = current_settings().links
        paths = [
            f"/c/{click_token(links, edition.id, i, j)}"
            for i, section in enumerate(sections)
            for j, _ in enumerate(section["stories"])
        ]
        edition_id = edition.id
        db.session.remove()
        db.engine.dispose()
    return edition_id, paths


def _stored(env: dict[str, str], edition_id: int) -> Counter:
    """Clicks stored per story URL, read back through the statistics readers see."""
    from config import Config
    from digest.app import create_app
    from digest.deliver.clicks import edition_clicks
    from digest.extensions import db
    from digest.models import Edition

    app = create_app(Config(env))
    with app.app_context():
        stats = edition_clicks(db.session.get(Edition, edition_id))
        stored = Counter({s.url: s.human + s.machine for s in stats.stories})
        db.session.remove()
        db.engine.dispose()
    return +stored


def _gunicorn(env: dict[str, str], port: int, options) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(options.workers)]
    command += ["--threads", str(options.threads), "--worker-class", "gthread"]
    command += ["--backlog", "2048", "--log-level", "warning", "--keep-alive", "30", "wsgi:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def _wrk(
    port: int, script: Path, paths: list[str], clients: int, seconds: float, think: int = 0
) -> dict:
    """wrk clicking for `seconds` (whole seconds of the clock: Lua's os.time()), then waiting
    up to GRACE seconds for the clicks in flight, so every click made is answered and seen.
    Requests per second are the answers over the clicking time."""
    started = time.time()
    stop_at = int(started + seconds + 0.5)
    quoted = ", ".join(f'"{p}"' for p in paths)
    script.write_text(LUA % {"paths": quoted, "stop_at": stop_at, "think": think})
    command = ["wrk", "-t2", f"-c{clients}", f"-d{round(seconds) + GRACE}s", "--timeout", "10s"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}/"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["seconds"] = stop_at - started
    return result


def _report(kind: str, runs: list[Run], think_ms: int) -> None:
    print(kind)
    for name, phases in (
        ("flat out (no pause between clicks)", [r.flat for r in runs]),
        (f"a reader's pace ({think_ms} ms between clicks)", [r.paced for r in runs]),
    ):
        rate = statistics.median(p.rate for p in phases)
        p50 = statistics.median(p.p50_ms for p in phases)
        p99 = statistics.median(p.p99_ms for p in phases)
        each = ", ".join(f"{p.rate:.0f}/s p99 {p.p99_ms:.0f} ms load {p.load:.1f}" for p in phases)
        verdict = "OK" if p99 < 100 else "MISSED"
        print(f"  {name:42} {rate:6.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
        print(f"  {'':42} p99 under 100 ms -> {verdict}   [{each}]")
    failed = sum(r.failed for r in runs)
    print(f"  answers other than 302, connection errors: {failed} -> ", end="")
    print("OK" if failed == 0 else "FAIL")
    for r in runs:
        made, kept = sum(r.answered.values()), sum(r.stored.values())
        verdict = "OK" if r.exact else "FAIL"
        print(f"  clicks made {made}, stored {kept}, equal per story -> {verdict}")


if __name__ == "__main__":
    main()
