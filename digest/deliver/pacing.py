"""Pacing shared by sending threads: a rate limit, retry backoff and the pause rule."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta

from digest.models import utcnow


class RateLimiter:
    """At most `per_second` messages a second across all threads (0 means no limit)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


def backoff_at(attempts: int, base_seconds: float, cap_seconds: float = 3600) -> datetime:
    """Exponential backoff with full jitter on its upper half, so retries do not arrive in step."""
    ceiling = min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))
    return utcnow() + timedelta(seconds=random.uniform(ceiling / 2, ceiling))


class FailureStreak:
    """Consecutive permanent failures of one kind: a blocked account or rejected content."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kind: str | None = None
        self.delivery_ids: list[int] = []
        self._lock = threading.Lock()

    def success(self) -> None:
        with self._lock:
            self.kind, self.delivery_ids = None, []

    def failure(self, kind: str, delivery_id: int) -> bool:
        """Record one failure; True once `limit` of the same kind came in a row."""
        with self._lock:
            if kind != self.kind:
                self.kind, self.delivery_ids = kind, []
            self.delivery_ids.append(delivery_id)
            return len(self.delivery_ids) >= self.limit


class ConnectBackoff:
    """A worker's wait before reconnecting: none after a working connection dropped once,
    then doubling with jitter, so a server refusing connections is not hammered."""

    def __init__(self, first_seconds: float = 0.2, cap_seconds: float = 60.0) -> None:
        self.first = first_seconds
        self.cap = cap_seconds
        self.failures = 0

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self) -> float:
        """Record a lost or refused connection; returns the seconds to wait before the next."""
        self.failures += 1
        if self.failures == 1:
            return 0.0
        ceiling = min(self.cap, self.first * 2 ** (self.failures - 2))
        return random.uniform(ceiling / 2, ceiling)
