"""The rate every queue worker shares through Redis finds the relay's limit: a real
redis-server, a simulated clock (passed to the scripts instead of Redis's own) and a relay
that takes R messages a second (a token bucket) and throttles the rest."""

from __future__ import annotations

import pytest

from digest.deliver.limits import SharedLimits
from tests.deliver.test_adaptive_rate import Clock, Relay
from tests.support.cluster import RedisServer, has_redis

pytestmark = pytest.mark.skipif(not has_redis(), reason="redis-server is not installed")


@pytest.fixture(scope="module")
def redis_url():
    server = RedisServer().start()
    yield server.url
    server.stop()


def run(redis_url: str, name: str, limit: float, seconds: float, workers: int = 3, ceiling=0.0):
    """`workers` processes' limits, one shared clock: each message takes the next slot of
    the shared schedule, whichever worker sends it. Successes per second, throttled share."""
    clock = Clock()
    now_us = lambda: int((1000 + clock.now) * 1_000_000)  # noqa: E731  (0 means Redis time)
    limits = [
        SharedLimits(redis_url, ceiling, 30, prefix=f"test:{name}", clock=now_us, sleep=clock.sleep)
        for _ in range(workers)
    ]
    relay = Relay(clock, limit, burst=max(1.0, limit / 5))
    per_second = [0] * int(seconds)
    attempts = throttled = 0
    while clock.now < seconds:
        worker = limits[attempts % workers]
        worker.admit(f"reader{attempts}@example.org")
        clock.sleep(0.002 / workers)  # a message takes 2 ms on each of the workers
        if clock.now >= seconds:
            break
        attempts += 1
        took = relay.take()
        per_second[int(clock.now)] += took
        throttled += not took
        worker.record(not took)
    for each in limits:
        each.close()
    return per_second, throttled / attempts


@pytest.mark.parametrize("limit", [20, 100, 300])
def test_the_workers_together_reach_the_relays_limit_and_stay_under_it(redis_url, limit):
    per_second, throttled_share = run(redis_url, f"limit{limit}", limit, seconds=120)
    reached = next(s for s, n in enumerate(per_second) if n >= 0.9 * limit)
    steady = sum(per_second[60:]) / len(per_second[60:])
    assert reached <= 60, per_second[:70]
    assert steady >= 0.9 * limit, (steady, per_second[60:])
    assert throttled_share < 0.005, throttled_share


def test_the_setting_is_a_ceiling(redis_url):
    per_second, throttled_share = run(redis_url, "ceiling", 300, seconds=30, ceiling=50)
    assert max(per_second) <= 51 and min(per_second[1:]) >= 49
    assert throttled_share == 0
