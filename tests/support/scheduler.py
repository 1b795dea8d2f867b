"""Stopping a real APScheduler in tests without a sleep standing in for "its jobs ended"."""

from __future__ import annotations

import time

from apscheduler.schedulers.base import BaseScheduler


def stop_scheduler(scheduler: BaseScheduler, seconds: float = 30.0) -> None:
    """Pause, wait until no job is running, then shut down.

    APScheduler's shutdown(wait=True) holds the job store lock while it waits for running
    jobs, and digest's `sync` job takes that lock: so no job may be running by then.
    """
    scheduler.pause()
    deadline = time.monotonic() + seconds
    while _running(scheduler) and time.monotonic() < deadline:
        time.sleep(0.02)
    scheduler.shutdown(wait=True)


def _running(scheduler: BaseScheduler) -> int:
    """Job instances running now, across the scheduler's executors."""
    return sum(
        sum(executor._instances.values())  # APScheduler 3 keeps no public count
        for executor in scheduler._executors.values()
    )
