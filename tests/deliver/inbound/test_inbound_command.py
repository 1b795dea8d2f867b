"""`flask --app wsgi digest inbound --listen HOST:PORT` as a real process: it receives a
bounce over SMTP, acts on it, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.inbound import BOUNCE_BASE, Row, corpus_message, events_of, state_of
from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[3]
FLASK = Path(sys.executable).with_name("flask")


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the inbound server did not start listening")


def run_inbound(database_url: str, row: Row, **settings: str) -> tuple[int, str, str]:
    """`digest inbound` on a free port until one bounce for `row` is handled, then SIGTERM;
    its port, stdout and stderr."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DIGEST_ENV": "test",
        "DIGEST_DATABASE_URL": database_url,
        "DIGEST_SECRET_KEY": "test-secret",
        "DIGEST_BOUNCE_ADDRESS": BOUNCE_BASE,
        **settings,
    }
    command = [str(FLASK), "--app", "wsgi", "digest", "inbound", "--listen", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_port(port, process)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("", [row.return_path], corpus_message("exim_user_unknown.eml", row))
        assert [e.kind.value for e in events_of(row.delivery_id)] == ["hard_bounce"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    return port, output, errors


def test_the_inbound_command_receives_a_bounce_and_stops_on_sigterm(sent, database_url):
    row = sent.rows_by_id[0]
    port, output, errors = run_inbound(database_url, row)
    assert state_of(row.email) == ("bounced", ["active"])
    assert f"receiving returned mail on 127.0.0.1:{port}" in output
    bounce = f"edition={sent.edition_id} delivery={row.delivery_id} hard_bounce by smtp: suppressed"
    assert bounce in errors


def test_the_inbound_command_logs_the_bounce_it_accepted_as_json(sent, database_url):
    row = sent.rows_by_id[0]
    _, _, errors = run_inbound(database_url, row, DIGEST_LOG_FORMAT="json")
    lines = [json.loads(line) for line in errors.splitlines()]
    handled = [line for line in lines if line["logger"] == "digest.deliver.inbound.receiving"]
    assert handled == [
        {
            "time": handled[0]["time"],
            "level": "INFO",
            "logger": "digest.deliver.inbound.receiving",
            "message": "hard_bounce by smtp: suppressed (bounced)",
            "edition": sent.edition_id,
            "delivery": row.delivery_id,
        }
    ]
    assert not [line for line in lines if row.return_path in json.dumps(line)]
