"""The send rate that finds a relay's limit, on a simulated clock: a relay that takes R
messages a second (a token bucket) and answers the rest with a throttling 451."""

from __future__ import annotations

import pytest

from digest.deliver.pacing import AdaptiveRate, ConnectionGate, Seat
from digest.deliver.transport import DeliveryFailure


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Relay:
    """A token bucket: `per_second` tokens a second, at most `burst` saved up."""

    def __init__(self, clock: Clock, per_second: float, burst: float) -> None:
        self.clock, self.per_second, self.burst = clock, per_second, burst
        self.tokens, self.at = burst, 0.0

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def run(limit: float, seconds: float, ceiling: float = 0.0, send_cost: float = 0.002):
    """Send as fast as the rate lets for `seconds`; the successes a second, each second, and
    the share of attempts throttled."""
    clock = Clock()
    rate = AdaptiveRate(ceiling, clock=clock, sleep=clock.sleep)
    relay = Relay(clock, limit, burst=max(1.0, limit / 5))
    per_second = [0] * int(seconds)
    attempts = throttled = 0
    while clock.now < seconds:
        rate.wait()
        clock.sleep(send_cost)  # the message itself takes a little time
        if clock.now >= seconds:
            break
        attempts += 1
        if relay.take():
            per_second[int(clock.now)] += 1
            rate.record(False)
        else:
            throttled += 1
            rate.record(True)
    return per_second, throttled / attempts


@pytest.mark.parametrize("limit", [20, 100, 300])
def test_it_reaches_nine_tenths_of_the_relays_limit_within_a_minute_and_rarely_overshoots(limit):
    per_second, throttled_share = run(limit, 120)
    reached = next(i for i, n in enumerate(per_second) if n >= 0.9 * limit)
    assert reached < 60
    steady = per_second[60:]
    assert sum(steady) / len(steady) >= 0.9 * limit
    assert throttled_share < 0.005


def test_without_throttling_it_goes_as_fast_as_the_ceiling_allows():
    unlimited, throttled = run(limit=1e9, seconds=10)
    assert throttled == 0 and min(unlimited) >= 450  # only the message's own time limits it
    capped, _ = run(limit=1e9, seconds=10, ceiling=40)
    assert all(39 <= n <= 41 for n in capped[1:])


def test_a_limit_that_rises_is_found_again_within_a_minute():
    clock = Clock()
    rate = AdaptiveRate(0, clock=clock, sleep=clock.sleep)
    relay = Relay(clock, 50, burst=10)
    while clock.now < 90:
        rate.wait()
        clock.sleep(0.001)
        relay.per_second = 50 if clock.now < 30 else 100
        rate.record(not relay.take())
    assert rate.rate >= 0.8 * 100


@pytest.mark.parametrize(
    ("code", "text", "is_throttle"),
    [
        (421, "4.7.0 Too many connections", True),
        (451, "4.7.1 Please slow down", True),
        (452, "Rate limit exceeded, try again later", True),
        (450, "4.2.1 mailbox busy", False),
        (451, "4.3.0 local error in processing", False),
        (550, "5.7.1 rate limit", False),  # permanent: not a pace
        (454, "Throttling failure: Maximum sending rate exceeded.", True),  # Amazon SES
        (454, "4.7.0 TLS not available due to temporary reason", False),
        (454, "4.7.0 Temporary authentication failure", False),
    ],
)
def test_which_replies_ask_to_slow_down(code, text, is_throttle):
    assert DeliveryFailure(code, text).is_throttle is is_throttle


def test_the_connection_gate_cuts_on_a_refusal_and_grows_back_one_at_a_time():
    clock = Clock()
    gate = ConnectionGate(4, clock=clock)
    seats = [Seat(gate) for _ in range(4)]
    assert [seat.take() for seat in seats] == [True] * 4
    seats[0].turned_away()  # 4 -> 3
    seats[1].turned_away()  # opened before the cut: down to the 2 still working, no further
    assert gate.allowed == 2 and gate.refusals == 2
    assert not seats[0].take() and seats[2].take() and seats[3].take()
    clock.sleep(ConnectionGate.GROW_SECONDS - 1)
    assert not seats[0].take()
    clock.sleep(1)
    assert seats[0].take() and not seats[1].take()  # one more, after a quiet while
    clock.sleep(ConnectionGate.SETTLE_SECONDS)
    seats[0].turned_away()  # 3 -> 2
    assert gate.allowed == 2 and gate.seated == 2
    clock.sleep(10 * ConnectionGate.GROW_SECONDS)
    assert [seat.take() for seat in seats] == [True] * 4
    assert gate.allowed == 4  # never above the ceiling
    clock.sleep(ConnectionGate.SETTLE_SECONDS)
    gate.refused()  # another sender's connection turned away: 4 -> 3, one seated must stand
    assert [seat.take() for seat in seats] == [False, True, True, True] and gate.seated == 3
