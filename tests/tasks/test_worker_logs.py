"""A Celery worker logs through digest's one setup: Celery configures no logging of its own
(no root handler, no task loggers apart, no stdout/stderr redirect). Run in a fresh
interpreter: Celery's logging setup happens once per process."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import logging, sys, types
from digest.app import create_app
from digest.tasks.queue import celery_for
from digest.tasks.worker import _connect_signals
from celery.utils.log import get_task_logger

create_app()
stderr = sys.stderr
_connect_signals(types.SimpleNamespace(), "WARNING")
celery_for("redis://127.0.0.1:1/0").log.setup(loglevel="DEBUG", redirect_stdouts=True)
get_task_logger("digest.probe").warning("from a task")
logging.getLogger("digest.probe").info("not at WARNING")
print(sys.stderr is stderr, len(logging.getLogger().handlers), logging.getLogger().level)
"""


def test_a_worker_logs_through_the_one_setup_at_its_level():
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "DIGEST_ENV": "test", "DIGEST_LOG_FORMAT": "json"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1", str(logging.WARNING)]
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("digest.probe", "from a task")
    ]
