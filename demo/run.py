"""`make run`: the local demo. Web, scheduler and a mail catcher, sample sources, a first edition.

Everything runs from this checkout: SQLite and the maildir live under instance/, the sample
feed and articles under demo/. Ctrl-C stops every process this script started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTANCE = ROOT / "instance"
MAILDIR = INSTANCE / "maildir"
DEMO = ROOT / "demo"
WEB_PORT, SMTP_PORT = 5000, 8025
EDITOR = ("editor@digest.localhost", "digest-demo")


def demo_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DIGEST_ENV", "development")
    env.setdefault("DIGEST_DATABASE_URL", f"sqlite:///{INSTANCE / 'digest.sqlite3'}")
    env.setdefault("DIGEST_BASE_URL", f"http://127.0.0.1:{WEB_PORT}")
    env.setdefault("DIGEST_SMTP_HOST", "127.0.0.1")
    env.setdefault("DIGEST_SMTP_PORT", str(SMTP_PORT))
    env.setdefault("DIGEST_MAIL_FROM", "news@digest.localhost")
    env.setdefault("DIGEST_POSTAL_ADDRESS", "Digest Demo, 1 Example Street, Riverside")
    env["FLASK_APP"] = "wsgi"
    return env


def flask(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=demo_env(),
        capture_output=True,
        text=True,
        check=check,
    )


def start(*command: str) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=demo_env(), start_new_session=True)


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing is listening on port {port} after {seconds:.0f} s")


def load_sample_data() -> None:
    """The demo newsletter, its sources, subscribers and an editor account (once)."""
    if "riverside" in flask("digest", "newsletter", "list").stdout:
        return
    flask(
        "digest",
        "newsletter",
        "create",
        "riverside",
        "--title",
        "Riverside Weekly",
        "--schedule",
        "0 7 * * mon",
        "--timezone",
        "Europe/London",
    )
    flask(
        "digest",
        "sources",
        "add",
        str(DEMO / "feed.xml"),
        "--newsletter",
        "riverside",
        "--name",
        "Riverside Gazette",
    )
    flask(
        "digest",
        "sources",
        "add",
        str(DEMO / "articles"),
        "--newsletter",
        "riverside",
        "--name",
        "Valley Weekly",
    )
    flask(
        "digest",
        "subscribers",
        "import",
        str(DEMO / "subscribers.csv"),
        "--newsletter",
        "riverside",
    )
    flask("digest", "users", "create", EDITOR[0], "--password", EDITOR[1], "--admin")


def first_edition() -> str:
    print(flask("digest", "poll", "--newsletter", "riverside").stdout, end="")
    edition_id = flask("digest", "build", "riverside").stdout.strip().splitlines()[-1]
    flask("digest", "send", edition_id)
    return edition_id


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    INSTANCE.mkdir(exist_ok=True)
    MAILDIR.parent.mkdir(exist_ok=True)
    flask("db", "upgrade")
    load_sample_data()
    processes = [
        start(
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{SMTP_PORT}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(MAILDIR),
        ),
        start(sys.executable, "-m", "flask", "digest", "scheduler"),
        start(sys.executable, "-m", "flask", "run", "--port", str(WEB_PORT), "--no-reload"),
    ]
    try:
        wait_for_port(SMTP_PORT)
        wait_for_port(WEB_PORT)
        edition_id = first_edition()
        print_where_to_look(edition_id)
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        print("a demo process stopped; shutting the others down")
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        stop_all(processes)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def print_where_to_look(edition_id: str) -> None:
    base = f"http://127.0.0.1:{WEB_PORT}"
    print(
        f"""
digest demo is running.
  web:        {base}/
  edition:    {base}/archive/riverside/{edition_id}
  editor:     {base}/editor/  (sign in as {EDITOR[0]} / {EDITOR[1]})
  admin:      {base}/admin/
  mail:       {MAILDIR}/new/  (one file per message the demo sent)
  scheduler:  running; Riverside Weekly is scheduled every Monday 07:00 Europe/London
Press Ctrl-C to stop everything.
""",
        flush=True,
    )


def stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
