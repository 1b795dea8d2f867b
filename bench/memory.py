"""Peak memory of `flask digest send` as the audience grows, traced through the whole send.

Run from the repository root:
    .venv/bin/python bench/memory.py [--subscribers 20000,1000000] [--folder DIR]

For each size: a SQLite database with one built edition and that many active subscribers
(kept in --folder, so a second run skips the slow part), Postfix's smtp-sink as the relay, and
the default `flask digest send` (threads, 4 connections) run to its end. The send's resident
memory is read from /proc every second and its peak (VmHWM) at the end; printed: the peak,
where in the send it came (start-up and release, or sending), and the resident memory at each
quarter of the sending, so a slow climb would show even where the peak does not.

Needs /usr/sbin/smtp-sink (Debian: apt-get install postfix); skips without it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send_support import (  # noqa: E402
    ROOT,
    SMTP_SINK,
    add_subscribers,
    bench_env,
    flask_command,
    prepare_edition,
    smtp_sink,
)

GOAL_MB = 150


def main() -> None:
    options = parse_arguments()
    if not Path(SMTP_SINK).exists():
        print(f"SKIP: {SMTP_SINK} not found (apt-get install postfix provides smtp-sink)")
        return
    options.folder.mkdir(parents=True, exist_ok=True)
    with smtp_sink() as sink:
        for size in options.subscribers:
            database = prepared(options.folder, size)
            run = options.folder / "run.sqlite3"
            shutil.copy(database, run)
            trace = send_traced(bench_env(f"sqlite:///{run}", sink.port))
            report(size, trace)
            run.unlink()


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", default="20000,1000000")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/digest-bench-memory"))
    options = parser.parse_args()
    options.subscribers = [int(n) for n in options.subscribers.split(",")]
    return options


def prepared(folder: Path, size: int) -> Path:
    """A database with one built edition (id 1) and `size` subscribers, made once."""
    database = folder / f"s{size}.sqlite3"
    if not database.exists():
        partial = folder / f"s{size}.partial.sqlite3"
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        prepare_edition(f"sqlite:///{partial}", folder)
        add_subscribers(f"sqlite:///{partial}", size)
        partial.rename(database)
        print(f"  (prepared {size:,} subscribers in {time.perf_counter() - started:.0f} s)")
    return database


class Trace:
    """Resident memory of one process, sampled every second until it ends."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.samples: list[tuple[float, int]] = []  # (seconds since start, KB)
        self.released_at: float | None = None
        self.peak_kb = 0
        self.started = time.perf_counter()

    def sample(self) -> None:
        while self.process.poll() is None:
            status = _status(self.process.pid)
            if status:
                self.samples.append((time.perf_counter() - self.started, status["VmRSS"]))
                self.peak_kb = max(self.peak_kb, status["VmHWM"])
            time.sleep(1.0)

    def watch_log(self) -> None:
        for line in self.process.stderr:
            if b"released to" in line and self.released_at is None:
                self.released_at = time.perf_counter() - self.started


def _status(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM") if name in fields}


def send_traced(env: dict[str, str]) -> Trace:
    process = subprocess.Popen(
        flask_command("send", "1"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    trace = Trace(process)
    works = (trace.watch_log, trace.sample)
    helpers = [threading.Thread(target=work, daemon=True) for work in works]
    for helper in helpers:
        helper.start()
    out = process.stdout.read().decode()
    process.wait()
    for helper in helpers:
        helper.join(5)
    trace.seconds = time.perf_counter() - trace.started
    if process.returncode or "pending 0" not in out:
        raise RuntimeError(f"the send failed: {out[-2000:]}")
    return trace


def report(size: int, trace: Trace) -> None:
    released = trace.released_at or 0.0
    before = [kb for at, kb in trace.samples if at <= released]
    during = [(at, kb) for at, kb in trace.samples if at > released]
    quarters = []
    if during:
        first, last = during[0][0], during[-1][0]
        for quarter in (0.25, 0.5, 0.75, 1.0):
            mark = first + quarter * (last - first)
            quarters.append(min(during, key=lambda sample: abs(sample[0] - mark))[1])
    peak = trace.peak_kb / 1024
    print(
        f"{size:,} subscribers: sent in {trace.seconds:.0f} s (released after {released:.0f} s, "
        f"{size / max(trace.seconds - released, 1e-9):,.0f} msg/s after); peak RSS {peak:.0f} MB "
        f"(goal < {GOAL_MB} MB); highest sampled before the release ended "
        f"{max(before, default=0) / 1024:.0f} MB; while sending, at each quarter: "
        + ", ".join(f"{kb / 1024:.0f}" for kb in quarters)
        + " MB"
    )


if __name__ == "__main__":
    main()
