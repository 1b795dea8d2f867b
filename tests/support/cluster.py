"""Queue mode's real parts for tests: a throwaway redis-server and `flask digest worker`
processes, each on its own port or pid, stopped by the test that started them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def has_redis() -> bool:
    return os.access(REDIS_SERVER, os.X_OK)


class RedisServer:
    """redis-server on a free loopback port, keeping nothing on disk (a restart loses all)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        self.kill()


class Worker:
    """One `flask --app wsgi digest worker` process; its output goes to a log file."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        self.log = log
        self.env = env
        self.concurrency = concurrency
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "digest", "worker"]
        command += [f"--concurrency={concurrency}", "--loglevel=INFO"]
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, seconds: float = 60.0) -> Worker:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-2000:]}")
            if b" ready." in self.log.read_bytes():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {self.log.read_text()[-2000:]}")

    def terminate(self, seconds: float = 30.0) -> int:
        """SIGTERM and wait (Celery's warm shutdown); returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def wait_for_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def redis_client(server: RedisServer):
    import redis

    return redis.Redis.from_url(server.url)
