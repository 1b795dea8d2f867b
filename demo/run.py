"""`make run`: the local demo. Web, scheduler and a mail catcher, sample sources, a first edition.

Everything runs from this checkout: SQLite and the maildir live under instance/, the sample
feed and articles under demo/. The feeds in demo/feeds/ are served on 127.0.0.1, so an admin
can add one from the browser; for that (and only in the demo) the fetcher may reach loopback
addresses. Ctrl-C stops every process this script started.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
INSTANCE = ROOT / "instance"
MAILDIR = INSTANCE / "maildir"
DEMO = ROOT / "demo"
SAMPLE_FEEDS = DEMO / "feeds"
WEB_PORT, SMTP_PORT, FEED_PORT = 5000, 8025, 8026
# (address, password, role): the editor sees the editor pages only, the admin everything.
ACCOUNTS = (
    ("editor@digest.localhost", "riverside-demo", "editor"),
    ("admin@digest.localhost", "riverside-admin", "admin"),
)
MAIL_CATCHER = (
    sys.executable,
    "-m",
    "aiosmtpd",
    "-n",
    "-l",
    f"127.0.0.1:{SMTP_PORT}",
    "-c",
    "aiosmtpd.handlers.Mailbox",
    str(MAILDIR),
)


def demo_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DIGEST_ENV", "development")
    env.setdefault("DIGEST_DATABASE_URL", f"sqlite:///{INSTANCE / 'digest.sqlite3'}")
    env.setdefault("DIGEST_BASE_URL", f"http://127.0.0.1:{WEB_PORT}")
    env.setdefault("DIGEST_SMTP_HOST", "127.0.0.1")
    env.setdefault("DIGEST_SMTP_PORT", str(SMTP_PORT))
    env.setdefault("DIGEST_MAIL_FROM", "news@digest.localhost")
    env.setdefault("DIGEST_POSTAL_ADDRESS", "Digest Demo, 1 Example Street, Riverside")
    # The sample feeds are served on loopback; outside the demo such addresses are refused.
    env["DIGEST_ALLOW_PRIVATE_FETCH"] = "true"
    env["FLASK_APP"] = "wsgi"
    return env


def run_command(app, *args: str) -> str:
    """Run one `flask digest ...` command in this process and return what it printed."""
    from flask.cli import ScriptInfo

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        app.cli.main(args=list(args), obj=ScriptInfo(create_app=lambda: app), standalone_mode=False)
    return buffer.getvalue()


def start(*command: str) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=demo_env(), start_new_session=True)


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing is listening on port {port} after {seconds:.0f} s")


def load_sample_data(app) -> bool:
    """The demo newsletter, its sources, subscribers and an editor account; True the first time."""
    if "riverside" in run_command(app, "digest", "newsletter", "list"):
        return False
    run_command(
        app,
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
        "--topics",
        "Transport, Community, Environment, Sport",
        "--offer-weekly",
        "--weekly-schedule",
        "0 8 * * sun",
    )
    run_command(
        app,
        "digest",
        "sources",
        "add",
        str(DEMO / "feed.xml"),
        "--newsletter",
        "riverside",
        "--name",
        "Riverside Gazette",
    )
    run_command(
        app,
        "digest",
        "sources",
        "add",
        str(DEMO / "articles"),
        "--newsletter",
        "riverside",
        "--name",
        "Valley Weekly",
    )
    run_command(
        app,
        "digest",
        "subscribers",
        "import",
        str(DEMO / "subscribers.csv"),
        "--newsletter",
        "riverside",
    )
    return True


def add_accounts(app) -> None:
    """The demo's editor and admin; an account that exists already is left as it is."""
    for address, password, role in ACCOUNTS:
        admin = ["--admin"] if role == "admin" else []
        with contextlib.suppress(click.ClickException):
            run_command(app, "digest", "users", "create", address, "--password", password, *admin)


class _SampleFeedFiles(SimpleHTTPRequestHandler):
    """demo/feeds/ as files, without a log line per request."""

    def log_message(self, *args) -> None:
        pass


def serve_sample_feeds(port: int = FEED_PORT) -> ThreadingHTTPServer:
    """Serve demo/feeds/ on 127.0.0.1 from a thread of this process; `shutdown()` stops it."""
    handler = functools.partial(_SampleFeedFiles, directory=str(SAMPLE_FEEDS))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, name="sample-feeds", daemon=True).start()
    return server


def sample_feed_urls(server: ThreadingHTTPServer) -> list[str]:
    port = server.server_address[1]
    return [f"http://127.0.0.1:{port}/{path.name}" for path in sorted(SAMPLE_FEEDS.glob("*.xml"))]


def first_edition(app) -> str:
    """Build and send the demo's first edition: only on the first start, so a restart never
    sends a draft an editor is still working on."""
    print(run_command(app, "digest", "poll", "--newsletter", "riverside"), end="")
    edition_id = run_command(app, "digest", "build", "riverside").strip().splitlines()[-1]
    run_command(app, "digest", "send", edition_id)
    return edition_id


def refuse_busy_ports() -> None:
    for port in (SMTP_PORT, WEB_PORT, FEED_PORT):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is already in use: stop what listens there first")


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    refuse_busy_ports()
    INSTANCE.mkdir(exist_ok=True)
    os.environ.update(demo_env())
    processes = [start(*MAIL_CATCHER)]
    feeds = serve_sample_feeds()
    try:
        app, is_first_start = prepare_database()
        processes.append(start(sys.executable, "-m", "flask", "digest", "scheduler"))
        processes.append(
            start(sys.executable, "-m", "flask", "run", "--port", str(WEB_PORT), "--no-reload")
        )
        wait_for_port(SMTP_PORT)
        edition_id = first_edition(app) if is_first_start else None
        wait_for_port(WEB_PORT)
        print_where_to_look(edition_id, sample_feed_urls(feeds))
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        print("a demo process stopped; shutting the others down")
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        feeds.shutdown()
        stop_all(processes)


def prepare_database():
    """Migrate the demo database and load the samples, in this process (one import)."""
    sys.path.insert(0, str(ROOT))
    from digest.app import create_app, upgrade_database

    app = create_app()
    upgrade_database(app)
    is_first_start = load_sample_data(app)
    add_accounts(app)  # also on a restart of an older demo database that lacks one
    return app, is_first_start


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def print_where_to_look(edition_id: str | None, feed_urls: list[str] | None = None) -> None:
    base = f"http://127.0.0.1:{WEB_PORT}"
    edition = f"{base}/archive/riverside/{edition_id}" if edition_id else "see the home page"
    (editor, editor_password, _), (admin, admin_password, _) = ACCOUNTS
    feeds = "".join(f"\n              {url}" for url in feed_urls or []) or " none served"
    print(
        f"""
digest demo is running.
  web:        {base}/
  edition:    {edition}
  editor:     {base}/editor/  (sign in as {editor} / {editor_password})
  admin:      {base}/admin/  (sign in as {admin} / {admin_password})
  feeds:      paste one on {base}/admin/sources to add it:{feeds}
  mail:       {MAILDIR}/new/  (one file per message the demo sent)
  scheduler:  running; Riverside Weekly is scheduled every Monday 07:00 Europe/London,
              its weekly edition on Sundays 08:00
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
