"""Limits shared by every worker process through Redis: the send rate and per-domain holds.

The send rate is a token bucket of one token, kept as a schedule (GCRA): Redis
holds the time the next message may start; each sender takes the next free
slot in one script call and sleeps until it. Redis's own clock is used, so the
workers' clocks need not agree. A domain that answered 4xx is held for a while
(doubling while it keeps refusing, capped); its rows are put back until then
while the other domains go on at full speed.

If Redis cannot be reached, each process falls back to the rate alone in its
own memory and no domain is held: sending goes on, a little less polite.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from digest.deliver.pacing import RateLimiter
from digest.models import utcnow

log = logging.getLogger(__name__)
PREFIX = "digest:limits"
HOLD_CAP_SECONDS = 3600.0

# KEYS: rate key, domain hold key. ARGV: interval in microseconds (0: no rate limit).
# Returns {milliseconds the domain is still held, microseconds to wait for the slot}.
_ADMIT = """
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return {held, 0} end
local interval = tonumber(ARGV[1])
if interval <= 0 then return {0, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%d', start + interval),
           'PX', math.floor((start + interval - now) / 1000) + 1000)
return {0, start - now}
"""

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
    """The send rate across all workers and the per-domain holds, kept in Redis."""

    def __init__(self, url: str, send_rate: float, domain_backoff_seconds: float) -> None:
        import redis  # queue mode only

        self._errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self.interval_us = int(1_000_000 / send_rate) if send_rate > 0 else 0
        self.backoff_ms = int(domain_backoff_seconds * 1000)
        self._local = RateLimiter(send_rate)
        self._admit = self.client.register_script(_ADMIT)
        self._slow_down = self.client.register_script(_SLOW_DOWN)

    def admit(self, address: str) -> datetime | None:
        """Wait for this message's slot; or, if the domain is held, return until when."""
        domain = domain_of(address)
        try:
            held_ms, wait_us = self._admit(
                keys=[f"{PREFIX}:rate", f"{PREFIX}:hold:{domain}"], args=[self.interval_us]
            )
        except self._errors as exc:
            log.warning("shared limits unavailable (%s); pacing this process alone", exc)
            self._local.wait()
            return None
        if held_ms > 0:
            return utcnow() + timedelta(milliseconds=int(held_ms))
        if wait_us > 0:
            time.sleep(int(wait_us) / 1_000_000)
        return None

    def slow_down(self, address: str) -> None:
        """The address's domain answered 4xx: hold it (unless it is held already)."""
        domain = domain_of(address)
        keys = [f"{PREFIX}:hold:{domain}", f"{PREFIX}:level:{domain}"]
        try:
            self._slow_down(keys=keys, args=[self.backoff_ms, int(HOLD_CAP_SECONDS * 1000)])
        except self._errors as exc:
            log.warning("cannot hold %s (%s)", domain, exc)

    def close(self) -> None:
        self.client.close()


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower() or "unknown"
