"""Limits shared by every worker process through Redis: the send rate and per-domain holds.

The send rate is a token bucket of one token, kept as a schedule (GCRA): Redis
holds the time the next message may start; each sender takes the next free
slot in one script call and sleeps until it. Redis's own clock is used, so the
workers' clocks need not agree. A domain that answered 4xx is held for a while
(doubling while it keeps refusing, capped); its rows are put back until then
while the other domains go on at full speed.

The rate finds the relay's limit for all workers together, as AdaptiveRate
(digest.deliver.pacing) does for one process: unpaced, or paced at DIGEST_SEND_RATE (a
ceiling), until a worker reports a throttling reply (`record(True)`); then 85% of what
went through (counted per second in Redis) or of the rate set, halved while the relay
keeps throttling just after a cut; then each second half the way back towards the rate
found too high, a slow creep near it, and faster probing after a long quiet stretch.
Throttles within `IN_FLIGHT_US` of a cut answer messages sent before it and do not count.

If Redis cannot be reached, each process falls back to the rate alone in its
own memory and no domain is held: sending goes on, a little less polite.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from digest.deliver.pacing import AdaptiveRate
from digest.models import utcnow

log = logging.getLogger(__name__)
PREFIX = "digest:limits"
HOLD_CAP_SECONDS = 3600.0

# Both rate scripts: the time in microseconds (ARGV[2], or Redis's clock when 0) and the
# adaptive state (KEYS[3], a hash: rate, too_high, grown_at, dropped_at, probe, quiet).
_STATE = """
local now = tonumber(ARGV[2])
if now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local ceiling = tonumber(ARGV[1])
local s = redis.call('HMGET', KEYS[3], 'rate', 'too_high', 'grown_at', 'dropped_at', 'probe',
                     'quiet')
local rate = tonumber(s[1])
if ceiling > 0 and (rate == nil or rate > ceiling) then rate = ceiling end
local too_high, grown_at, dropped_at = tonumber(s[2]), tonumber(s[3]), tonumber(s[4])
local probe, quiet = tonumber(s[5]) or 0, tonumber(s[6]) or 0
"""

# KEYS: rate slot, domain hold, adaptive state, per-second counts prefix.
# ARGV: ceiling in messages a second (0: none), now. Returns {ms held, us to wait}.
_ADMIT = (
    _STATE
    + """
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return {held, 0} end
local second = math.floor(now / 1000000)
redis.call('INCR', KEYS[4] .. second)
redis.call('PEXPIRE', KEYS[4] .. second, 5000)
if rate == nil then return {0, 0} end
if grown_at ~= nil and now - grown_at >= 1000000 then
  local seconds = math.floor((now - grown_at) / 1000000)
  grown_at = grown_at + seconds * 1000000
  for i = 1, math.min(seconds, 120) do
    if too_high == nil then rate = rate * 1.5
    elseif too_high - rate > 0.05 * too_high then rate = rate + (too_high - rate) / 2
    else
      rate = rate + probe
      if quiet > 2000 then probe = math.min(2 * probe, rate / 4) end
    end
    if ceiling > 0 then rate = math.min(rate, ceiling) end
  end
  redis.call('HSET', KEYS[3], 'rate', tostring(rate), 'grown_at', string.format('%d', grown_at),
             'probe', tostring(probe))
end
redis.call('HINCRBY', KEYS[3], 'quiet', 1)
redis.call('PEXPIRE', KEYS[3], 3600000)
local interval = math.floor(1000000 / rate)
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%d', start + interval),
           'PX', math.floor((start + interval - now) / 1000) + 1000)
return {0, start - now}
"""
)

# KEYS: rate slot, (unused), adaptive state, per-second counts prefix. ARGV: ceiling, now,
# floor in messages a second, the in-flight allowance in us. Returns the new rate x 1000.
_THROTTLED = (
    _STATE
    + """
local floor, in_flight = tonumber(ARGV[3]), tonumber(ARGV[4])
if dropped_at ~= nil and now - dropped_at < in_flight then return -1 end
local base = rate
local measured = true
if base == nil then
  local second = math.floor(now / 1000000)
  local took = tonumber(redis.call('GET', KEYS[4] .. (second - 1)) or '0')
  if took > 0 then base = took else
    base = math.max(tonumber(redis.call('GET', KEYS[4] .. second) or '0'), 1)
    measured = false  -- throttled within the first second: start there and grow
  end
end
local recent = dropped_at ~= nil and now - dropped_at < 2000000
if measured then
  too_high = math.max(base, floor)
  if recent then rate = base * 0.5 else rate = base * 0.85 end
else
  too_high = nil
  rate = base
end
rate = math.max(floor, rate)
probe = rate * math.min(0.01, 0.04 * rate / 2000)
redis.call('HSET', KEYS[3], 'rate', tostring(rate), 'grown_at', string.format('%d', now),
           'dropped_at', string.format('%d', now), 'probe', tostring(probe), 'quiet', 0)
if too_high == nil then redis.call('HDEL', KEYS[3], 'too_high')
else redis.call('HSET', KEYS[3], 'too_high', tostring(too_high)) end
redis.call('PEXPIRE', KEYS[3], 3600000)
local nxt = now + math.floor(1000000 / rate)
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < nxt then redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', 2000) end
return math.floor(rate * 1000)
"""
)

# KEYS: domain hold key, domain level key. ARGV: first hold in ms, cap in ms.
_SLOW_DOWN = """
if redis.call('PTTL', KEYS[1]) > 0 then return 0 end
local level = redis.call('INCR', KEYS[2])
local hold = math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) * 2 ^ (level - 1))
redis.call('PEXPIRE', KEYS[2], math.floor(hold * 4))
redis.call('SET', KEYS[1], '1', 'PX', math.floor(hold))
return hold
"""


class SharedLimits:
    """The send rate across all workers and the per-domain holds, kept in Redis.

    `clock` (microseconds) and `sleep` replace Redis's clock and the real wait in tests;
    `prefix` keeps apart the keys of separate installations on one Redis."""

    FLOOR = 0.5  # messages a second: never slower, however often the relay throttles
    IN_FLIGHT_US = 300_000

    def __init__(
        self,
        url: str,
        send_rate: float,
        domain_backoff_seconds: float,
        *,
        prefix: str = PREFIX,
        clock: Callable[[], int] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import redis  # queue mode only

        self._errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self.ceiling = send_rate if send_rate > 0 else 0.0
        self.backoff_ms = int(domain_backoff_seconds * 1000)
        self.prefix = prefix
        self._clock, self._sleep = clock, sleep
        self._local = AdaptiveRate(send_rate)
        self._admit = self.client.register_script(_ADMIT)
        self._throttled = self.client.register_script(_THROTTLED)
        self._slow_down = self.client.register_script(_SLOW_DOWN)

    def _rate_keys(self, domain: str = "-") -> list[str]:
        p = self.prefix
        return [f"{p}:rate", f"{p}:hold:{domain}", f"{p}:adaptive", f"{p}:count:"]

    def _now(self) -> int:
        return self._clock() if self._clock else 0

    def admit(self, address: str) -> datetime | None:
        """Wait for this message's slot; or, if the domain is held, return until when."""
        try:
            held_ms, wait_us = self._admit(
                keys=self._rate_keys(domain_of(address)), args=[self.ceiling, self._now()]
            )
        except self._errors as exc:
            log.warning("shared limits unavailable (%s); pacing this process alone", exc)
            self._local.wait()
            return None
        if held_ms > 0:
            return utcnow() + timedelta(milliseconds=int(held_ms))
        if wait_us > 0:
            self._sleep(int(wait_us) / 1_000_000)
        return None

    def record(self, throttled: bool) -> None:
        """After each attempt: a throttling reply cuts the rate every worker is paced at."""
        if not throttled:
            return
        args = [self.ceiling, self._now(), self.FLOOR, self.IN_FLIGHT_US]
        try:
            self._throttled(keys=self._rate_keys(), args=args)
        except self._errors as exc:
            log.warning("shared limits unavailable (%s); slowing this process alone", exc)
            self._local.record(True)

    def rate(self) -> float | None:
        """The shared rate now, in messages a second (None: unpaced)."""
        found = self.client.hget(f"{self.prefix}:adaptive", "rate")
        if found is None:
            return self.ceiling or None
        return float(found)

    def slow_down(self, address: str) -> None:
        """The address's domain answered 4xx: hold it (unless it is held already)."""
        domain = domain_of(address)
        keys = [f"{self.prefix}:hold:{domain}", f"{self.prefix}:level:{domain}"]
        try:
            self._slow_down(keys=keys, args=[self.backoff_ms, int(HOLD_CAP_SECONDS * 1000)])
        except self._errors as exc:
            log.warning("cannot hold %s (%s)", domain, exc)

    def close(self) -> None:
        self.client.close()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower() or "unknown"
