"""Parts of bench/send.py: the sink, the edition, subscribers in bulk, processes, memory."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
ARTICLES = 60
SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "shi", "pel", "dor", "an", "ex", "qui", "bra"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Server:
    """A background server on a free port (smtp-sink, redis-server), stopped on exit."""

    def __init__(self, command: list[str]) -> None:
        self.port = free_port()
        self.command = [part.replace("{port}", str(self.port)) for part in command]

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait()


def smtp_sink() -> Server:
    """Postfix's smtp-sink: accepts everything, keeps nothing."""
    return Server([SMTP_SINK, "-u", "nobody", "127.0.0.1:{port}", "256"])


def redis_server() -> Server:
    redis = shutil.which("redis-server") or "/usr/bin/redis-server"
    return Server([redis, "--port", "{port}", "--bind", "127.0.0.1", "--save", ""])


def bench_env(database_url: str, port: int, **settings: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DIGEST_ENV": "development",
        "DIGEST_DATABASE_URL": database_url,
        "DIGEST_BASE_URL": "https://digest.example.org",
        "DIGEST_MAIL_FROM": "news@digest.example.org",
        "DIGEST_RATELIMIT_ENABLED": "false",
        "DIGEST_SMTP_PORT": str(port),
    }
    return env | {f"DIGEST_{k.upper()}": str(v) for k, v in settings.items()}


def make_app(database_url: str, port: int = 25):
    sys.path.insert(0, str(ROOT))
    from config import Config
    from digest.app import create_app

    return create_app(Config(bench_env(database_url, port)))


def prepare_edition(database_url: str, folder: Path) -> int:
    """A migrated database with one built (unreleased) edition of about 100 KB of HTML."""
    from digest.app import upgrade_database

    app = make_app(database_url)
    upgrade_database(app)
    with app.app_context():
        runner = app.test_cli_runner()
        articles = write_articles(folder / "articles")
        for args in (
            ["newsletter", "create", "bench", "--title", "Bench Digest"],
            ["import", str(articles), "--newsletter", "bench"],
        ):
            check(runner.invoke(args=["digest", *args]))
        built = check(runner.invoke(args=["digest", "build", "bench"]))
        close(app)
    return int(built.strip().splitlines()[-1])


def close(app) -> None:
    from digest.extensions import db

    db.session.remove()
    db.engine.dispose()


def check(result) -> str:
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return result.output


def write_articles(folder: Path) -> Path:
    """Articles of made-up words, so none clusters with another into one story."""
    rng = random.Random(7)
    vocabulary = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(6000)})
    folder.mkdir(exist_ok=True)
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


def add_subscribers(database_url: str, count: int) -> None:
    """count active subscribers, inserted in chunks so this process stays small too."""
    from sqlalchemy import insert, literal, select

    from digest.extensions import db
    from digest.models import Newsletter, Subscriber, Subscription, utcnow

    app = make_app(database_url)
    with app.app_context():
        newsletter_id = db.session.scalar(select(Newsletter.id))
        for start in range(0, count, 20_000):
            rows = [
                {"email": f"reader{n}@example.net", "name": f"Reader {n}"}
                for n in range(start, min(count, start + 20_000))
            ]
            db.session.execute(insert(Subscriber), rows)
        db.session.execute(
            insert(Subscription).from_select(
                ["newsletter_id", "subscriber_id", "status", "topics", "created_at"],
                select(
                    literal(newsletter_id),
                    Subscriber.id,
                    literal("active"),
                    literal([], type_=Subscription.topics.type),
                    literal(utcnow(), type_=Subscription.created_at.type),
                ),
            )
        )
        db.session.commit()
        close(app)


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "digest", *args]


def run_timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a process to its end: (wall seconds, its peak RSS in KB, its stdout). The peak is
    read by bench/peak.py, a small go-between, so this process's own size is not counted."""
    with tempfile.NamedTemporaryFile(prefix="digest-peak-") as peak:
        launcher = [sys.executable, str(ROOT / "bench" / "peak.py"), peak.name]
        started = time.perf_counter()
        process = subprocess.Popen(
            launcher + command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # one group: the go-between and the command stop together
        )
        try:
            out = process.stdout.read().decode()
            process.wait()
        except BaseException:  # Ctrl-C or SIGTERM: the processes go too
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        seconds = time.perf_counter() - started
        if process.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {out[-2000:]}")
        return seconds, int(Path(peak.name).read_text() or 0), out


def peak_kb(pid: int) -> int:
    """A live process's peak resident memory (VmHWM) in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


class Workers:
    """`flask digest worker` processes, started together, stopped with SIGTERM."""

    def __init__(self, count: int, env: dict[str, str], threads: int, log_folder: Path) -> None:
        self.logs = [log_folder / f"worker{n}.log" for n in range(count)]
        self.processes = []
        for log in self.logs:
            with open(log, "wb") as out:
                self.processes.append(
                    subprocess.Popen(
                        flask_command("worker", f"--concurrency={threads}", "--loglevel=INFO"),
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )

    def __enter__(self) -> Workers:
        deadline = time.monotonic() + 120
        for log, process in zip(self.logs, self.processes, strict=True):
            while b" ready." not in log.read_bytes():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()[-2000:])
                time.sleep(0.1)
        return self

    def peaks_kb(self) -> list[int]:
        return [peak_kb(process.pid) for process in self.processes]

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait()
