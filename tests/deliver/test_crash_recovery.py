"""The sender process killed at random points and started again: nobody missed, few repeats.

Each of four chains copies one prepared database (an edition built, 100
subscribers) and, against its own SMTP server, starts `flask --app wsgi digest
send ID` as a real process, kills it with SIGKILL at a random moment (during
start-up or after k more messages arrived), starts it again, kills that one,
and so on: 5 kills per chain, 20 in all, then a last start that must finish.
Every kill is followed by a restart, and chaining them lets each start double
as the previous kill's restart (a start costs about 2 CPU-seconds here).

After each kill the ledger is compared with what the server got during that
process's life: messages accepted but still pending in the ledger were in
flight, at most one per SMTP connection, and they are the only ones sent twice.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from digest.extensions import db
from tests.deliver.conftest import duplicates
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
CHAINS = 4
KILLS_PER_CHAIN = 5
SUBSCRIBERS = 100
CONNECTIONS = 2


@dataclass
class Chain:
    number: int
    kills: list[str] = field(default_factory=list)  # each kill's plan and what was in flight
    in_flight: list[int] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    final_code: int | None = None
    final_output: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    edition_status: str = ""


@pytest.fixture
def prepared_database(sending, database_url) -> tuple[Path, int, list[str]]:
    if not database_url.startswith("sqlite"):
        pytest.skip("runs on copies of a SQLite file")
    job = sending(subscribers=SUBSCRIBERS)
    db.session.remove()
    db.engine.dispose()  # fold the WAL into the file before copying it
    return Path(database_url.removeprefix("sqlite:///")), job.edition_id, job.emails


def test_killed_sender_restarted_misses_nobody_and_repeats_little(prepared_database, tmp_path):
    template, edition_id, emails = prepared_database
    seed = random.randrange(1_000_000)
    with ThreadPoolExecutor(CHAINS) as pool:
        chains = list(
            pool.map(
                lambda n: run_chain(
                    Chain(n), random.Random(seed + n), template, edition_id, tmp_path
                ),
                range(CHAINS),
            )
        )
    assert sum(len(chain.kills) for chain in chains) == CHAINS * KILLS_PER_CHAIN
    for chain in chains:
        context = f"seed {seed}, chain {chain.number}, kills {chain.kills}"
        assert chain.final_code == 0, f"{context}: {chain.final_output}"
        assert set(chain.received) == set(emails), context
        assert max(chain.in_flight) <= CONNECTIONS, context
        repeats = sum(n - 1 for n in duplicates(chain.received).values())
        assert repeats <= sum(chain.in_flight), f"{context}: {duplicates(chain.received)}"
        assert chain.statuses == {"sent": SUBSCRIBERS}, context
        assert chain.edition_status == "sent", context


def run_chain(
    chain: Chain, rng: random.Random, template: Path, edition_id: int, tmp_path: Path
) -> Chain:
    database = tmp_path / f"chain{chain.number}.sqlite3"
    shutil.copy(template, database)
    server = SmtpServer().start()
    command = [str(FLASK), "--app", "wsgi", "digest", "send", str(edition_id)]
    env = sender_env(database, server.port)
    try:
        while len(chain.kills) < KILLS_PER_CHAIN:
            plan, before = kill_plan(rng), len(server.received)
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            wait_for_kill_point(process, server, plan, before)
            if process.poll() is not None:
                break  # it finished first: nothing left to kill
            process.send_signal(signal.SIGKILL)
            process.wait()
            # A message whose last bytes were in the socket when the process died may still be
            # accepted by the server a moment later: it is in flight too, so wait to count it.
            assert server.wait_until_idle(), "the server still holds the dead sender's session"
            during = set(server.recipients()[before:])
            chain.in_flight.append(len(during & pending_addresses(database, edition_id)))
            chain.kills.append(f"{plan[0]}={plan[1]:.2f}: {chain.in_flight[-1]} in flight")
        final = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        chain.final_code, chain.final_output = final.returncode, final.stderr[-2000:]
        chain.received = server.recipients()
        chain.statuses, chain.edition_status = read_ledger(database, edition_id)
        return chain
    finally:
        server.stop()


def kill_plan(rng: random.Random) -> tuple[str, float]:
    """Kill after a random delay (start-up, release) or after k more messages arrived."""
    if rng.random() < 0.2:
        return ("seconds", rng.uniform(0.0, 1.5))
    return ("messages", rng.randrange(0, 12))


def wait_for_kill_point(process: subprocess.Popen, server: SmtpServer, plan, before: int) -> None:
    kind, value = plan
    if kind == "seconds":
        time.sleep(value)
        return
    give_up_at = time.monotonic() + 60
    while len(server.received) < before + value and process.poll() is None:
        if time.monotonic() > give_up_at:
            return
        time.sleep(0.002)


def sender_env(database: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DIGEST_ENV": "test",
        "DIGEST_DATABASE_URL": f"sqlite:///{database}",
        "DIGEST_SECRET_KEY": "test-secret",
        "DIGEST_BASE_URL": "http://digest.test",
        "DIGEST_MAIL_FROM": "news@digest.test",
        "DIGEST_RATELIMIT_ENABLED": "false",
        "DIGEST_SMTP_PORT": str(port),
        "DIGEST_SMTP_TIMEOUT": "0.5",  # leases last ten timeouts: 5 s
        "DIGEST_SMTP_CONNECTIONS": str(CONNECTIONS),
        "DIGEST_SEND_BATCH": "10",
        "DIGEST_SEND_RATE": "40",
        "DIGEST_RETRY_BASE_SECONDS": "0.05",
    }


def pending_addresses(database: Path, edition_id: int) -> set[str]:
    rows = query(
        database,
        "SELECT s.email FROM delivery d JOIN subscriber s "
        "ON s.id = d.subscriber_id WHERE d.edition_id = ? AND d.status = 'pending'",
        edition_id,
    )
    return {email for (email,) in rows}


def read_ledger(database: Path, edition_id: int) -> tuple[dict[str, int], str]:
    statuses = dict(
        query(
            database,
            "SELECT status, count(*) FROM delivery WHERE edition_id = ? GROUP BY status",
            edition_id,
        )
    )
    [(edition_status,)] = query(database, "SELECT status FROM edition WHERE id = ?", edition_id)
    return statuses, edition_status


def query(database: Path, sql: str, *params) -> list[tuple]:
    connection = sqlite3.connect(database, timeout=30)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()
