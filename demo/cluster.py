"""`make run-cluster`: the production topology on one machine, from a fresh clone.

A throwaway PostgreSQL cluster (Debian's postgresql packages) and a redis-server,
both under instance/cluster/; the web app on gunicorn, the scheduler, two Celery
workers and the mail catcher. It loads the demo and sends the first edition
through the workers (`digest send` in queue mode: release, queue, watch the
ledger). Ctrl-C stops everything it started and throws the cluster away.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import run as demo  # demo/run.py: the same samples, mail catcher and helpers

ROOT = demo.ROOT
CLUSTER = demo.INSTANCE / "cluster"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = int(os.environ.get("DIGEST_CLUSTER_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("DIGEST_CLUSTER_REDIS_PORT", "6390"))
WORKERS, WORKER_THREADS = 2, 4


def cluster_env() -> dict[str, str]:
    env = demo.demo_env()
    env["DIGEST_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/digest"
    env["DIGEST_BROKER_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
    env["DIGEST_RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{REDIS_PORT}/1"
    return env


def as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres user then."""
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", "postgres", "--", *command]


def start_postgres() -> None:
    if not (PG_BIN / "initdb").exists():
        raise SystemExit("PostgreSQL 15 is missing: apt-get install postgresql")
    data = CLUSTER / "pg"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    quiet = {"stdout": subprocess.DEVNULL, "check": True}
    subprocess.run(
        as_postgres(f"{PG_BIN}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres"), **quiet
    )
    options = f"-p {PG_PORT} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(
        as_postgres(
            f"{PG_BIN}/pg_ctl",
            "-D",
            str(data),
            "-l",
            str(data / "log"),
            "-w",
            "-o",
            options,
            "start",
        ),
        **quiet,
    )
    subprocess.run(
        as_postgres(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(PG_PORT),
            "-U",
            "postgres",
            "-qc",
            "CREATE DATABASE digest",
        ),
        **quiet,
    )


def stop_postgres() -> None:
    data = CLUSTER / "pg"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"),
            stdout=subprocess.DEVNULL,
            check=False,
        )


def start_redis() -> subprocess.Popen:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is missing: apt-get install redis-server")
    command = [server, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(CLUSTER)]
    return demo.start(*command)


def refuse_busy_ports() -> None:
    demo.refuse_busy_ports()
    for port in (PG_PORT, REDIS_PORT):
        with demo.socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"port {port} is already in use: stop what listens there first")


def main() -> None:
    signal.signal(signal.SIGTERM, demo._interrupt)
    refuse_busy_ports()
    CLUSTER.mkdir(parents=True, exist_ok=True)
    os.environ.update(cluster_env())
    flask = (sys.executable, "-m", "flask")
    processes: list[subprocess.Popen] = []
    try:
        start_postgres()
        processes.append(start_redis())
        processes.append(demo.start(*demo.MAIL_CATCHER))
        feeds = demo.serve_sample_feeds()
        app, _ = demo.prepare_database()
        web = (
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{demo.WEB_PORT}",
            "wsgi:app",
        )
        processes.append(demo.start(sys.executable, *web))
        processes.append(demo.start(*flask, "digest", "scheduler"))
        for _ in range(WORKERS):
            processes.append(
                demo.start(*flask, "digest", "worker", f"--concurrency={WORKER_THREADS}")
            )
        demo.wait_for_port(REDIS_PORT)
        demo.wait_for_port(demo.SMTP_PORT)
        print("sending the first edition through the workers ...", flush=True)
        edition_id = demo.first_edition(app)
        demo.wait_for_port(demo.WEB_PORT)
        demo.print_where_to_look(edition_id, demo.sample_feed_urls(feeds))
        print(
            f"cluster: PostgreSQL on {PG_PORT}, Redis on {REDIS_PORT}, {WORKERS} workers",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        print("a cluster process stopped; shutting the others down")
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        demo.stop_all(processes)
        stop_postgres()
        shutil.rmtree(CLUSTER, ignore_errors=True)


if __name__ == "__main__":
    main()
