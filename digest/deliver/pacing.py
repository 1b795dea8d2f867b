"""Pacing shared by sending threads: a rate limit, retry backoff and the pause rule."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
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


class AdaptiveRate:
    """A send rate that finds the relay's limit, across all threads of a send.

    Unpaced (or paced at `ceiling`, DIGEST_SEND_RATE) until the relay first says to slow
    down (`record(throttled=True)`: a 421, or a 4xx naming a rate). Unpaced, it starts
    again from `DECREASE` of what went through in the last `WINDOW` seconds, or, with too
    little measured, from what went through and grows by half each quiet second. A throttle
    at a set rate drops it to `DECREASE` of itself (halving instead while the relay keeps
    throttling just after a drop). Then each quiet second it grows half the way back to the
    rate found too high, creeps near it (slowly enough that about `PLATEAU` messages go out
    between two overshoots, so few are refused), and after `PLATEAU` quiet messages probes
    faster, for a limit that rose. Never above the ceiling. Replies to the `in_flight`
    messages sent before a drop took effect do not count against the new rate. A relay
    slower than a few messages a second is better given its rate (DIGEST_SEND_RATE).
    """

    DECREASE = 0.85
    GROWTH = 1.5  # each quiet second, while no measure of the relay's limit exists
    WINDOW = 2.0  # seconds of successes that say what the relay took
    FLOOR = 0.5  # messages a second: never slower, however often it throttles
    PLATEAU = 2000  # messages between overshoots of the limit, about

    def __init__(
        self,
        ceiling: float = 0.0,
        in_flight: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ceiling = ceiling if ceiling > 0 else math.inf
        self.rate = self.ceiling
        self.in_flight = in_flight
        self.too_high: float | None = None  # the rate last found too high, once measured
        self.throttles = 0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = self._grown_at = clock()
        self._dropped_at: float | None = None
        self._since_drop = 0  # attempts since the last drop
        self._quiet = 0  # messages taken since the last drop
        self._probe = 0.0  # what the rate grows by each quiet second near too_high
        self._successes: deque[float] = deque()

    def wait(self) -> None:
        """Before each message: sleep until its turn at the current rate."""
        with self._lock:
            now = self._clock()
            self._grow(now)
            if math.isinf(self.rate):
                return
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            self._sleep(start - now)

    def record(self, throttled: bool) -> None:
        """After each attempt: did the relay take it, or say to slow down?"""
        with self._lock:
            now = self._clock()
            self._since_drop += 1
            while self._successes and self._successes[0] < now - self.WINDOW:
                self._successes.popleft()
            if not throttled:
                self._successes.append(now)
                self._quiet += 1
                return
            self.throttles += 1
            if self._dropped_at is not None and self._since_drop <= self.in_flight:
                return  # sent before the last drop took effect
            self._drop(now)

    def _drop(self, now: float) -> None:
        span = now - self._successes[0] if self._successes else 0.0
        if math.isinf(self.rate) and span < self.WINDOW / 4:  # no measure: start low, grow
            self.rate = max(self.FLOOR, float(len(self._successes) or 1))
            self.too_high = None
        else:  # the rate that drew the throttle was too high (unpaced: what went through)
            base = len(self._successes) / span if math.isinf(self.rate) else self.rate
            recent = self._dropped_at is not None and now - self._dropped_at < self.WINDOW
            self.too_high = max(base, self.FLOOR)
            self.rate = max(self.FLOOR, base * (0.5 if recent else self.DECREASE))
        self._next = max(self._next, now + 1.0 / self.rate)
        self._grown_at = self._dropped_at = now
        self._since_drop = self._quiet = 0
        # A creep that takes about PLATEAU messages to climb the last 4%.
        self._probe = self.rate * min(0.01, 0.04 * self.rate / self.PLATEAU)

    def _grow(self, now: float) -> None:
        if math.isinf(self.rate) or now - self._grown_at < 1.0:
            return
        seconds = int(now - self._grown_at)
        self._grown_at += seconds
        for _ in range(seconds):
            if self.too_high is None:
                self.rate *= self.GROWTH
            elif self.too_high - self.rate > 0.05 * self.too_high:
                self.rate += (self.too_high - self.rate) / 2
            else:
                self.rate += self._probe
                if self._quiet > self.PLATEAU:
                    self._probe = min(2 * self._probe, self.rate / 4)
            self.rate = min(self.ceiling, self.rate)


class ConnectionGate:
    """How many of a send's connections may be open, finding the relay's limit on them.

    A sender takes a seat before it connects and gives it up when it is turned away or told
    to stand. All seats (DIGEST_SMTP_CONNECTIONS, a ceiling) are open until the relay turns
    a connection away as one too many (a 421, or a 4xx naming a limit, before any
    recipient); then `DECREASE` of them (rounded down), and never more than the connections
    still working; one more after each `GROW_SECONDS` without a refusal. Refusals within
    `SETTLE_SECONDS` of a cut come from connections opened before it: they cut only down
    to the connections still working.
    """

    DECREASE = 0.75
    GROW_SECONDS = 30.0
    SETTLE_SECONDS = 2.0

    def __init__(self, ceiling: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = self.allowed = max(1, ceiling)
        self.seated = 0
        self.refusals = 0
        self._clock = clock
        self._lock = threading.Lock()
        self._cut_at: float | None = None
        self._grown_at = clock()

    def sit(self) -> bool:
        """Take a seat (True), or there is none free now (False: wait, connection closed)."""
        with self._lock:
            self._grow(self._clock())
            if self.seated < self.allowed:
                self.seated += 1
                return True
            return False

    def must_stand(self) -> bool:
        """Whether a seated sender should give its seat up (more are seated than allowed);
        the caller then calls `leave`."""
        with self._lock:
            return self.seated > self.allowed

    def leave(self) -> None:
        with self._lock:
            self.seated = max(0, self.seated - 1)

    def refused(self) -> None:
        """The relay turned away a connection as one too many (its sender left its seat)."""
        with self._lock:
            now = self._clock()
            self.refusals += 1
            settling = self._cut_at is not None and now - self._cut_at < self.SETTLE_SECONDS
            cut = self.allowed if settling else int(self.allowed * self.DECREASE)
            self.allowed = max(1, min(cut, self.seated))
            if not settling:
                self._cut_at = now
            self._grown_at = now

    def _grow(self, now: float) -> None:
        while self.allowed < self.ceiling and now - self._grown_at >= self.GROW_SECONDS:
            self.allowed += 1
            self._grown_at += self.GROW_SECONDS
        if self.allowed >= self.ceiling:
            self._grown_at = now


class Seat:
    """One sender's place at a ConnectionGate: taken before it sends, given up when the
    relay turns its connection away, when the gate asks it to stand, or when it is done."""

    def __init__(self, gate: ConnectionGate) -> None:
        self.gate = gate
        self.is_held = False

    def take(self) -> bool:
        """Hold a seat now (True), or wait without a connection (False)."""
        if self.is_held and self.gate.must_stand():
            self.leave()
            return False
        if not self.is_held:
            self.is_held = self.gate.sit()
        return self.is_held

    def turned_away(self) -> None:
        """The relay refused this sender's connection as one too many."""
        self.leave()
        self.gate.refused()

    def leave(self) -> None:
        if self.is_held:
            self.gate.leave()
            self.is_held = False


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
