"""Sending to a relay that allows R messages a second: how fast digest finds R, and how few
messages the relay has to turn away.

Run from the repository root:
    .venv/bin/python bench/throttle.py [--limits 20,100,300] [--seconds 90] [--connections 4]

The relay is aiosmtpd in this process with a token bucket (R a second, R/5 saved up at most):
past it, RCPT gets "451 4.7.1 rate limited, slow down". For each R, the whole
`flask digest send` process (start-up included, nothing set but the relay's address and
DIGEST_SMTP_CONNECTIONS) sends an edition big enough to last about --seconds at R. Printed:
the second from the first message at which the relay first took 90% of R in one second, the
relay's intake in the median second of the send's second half (before the retries of the
throttled messages) as a share of R, and the share of attempts it throttled. Targets: 90% of
R within 60 s, throttled under 0.5%. --trace prints the intake of every second.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send_support import (  # noqa: E402
    add_subscribers,
    bench_env,
    flask_command,
    free_port,
    prepare_edition,
    run_timed,
)


class Bucket:
    """R tokens a second, at most `burst` saved; thread-safe."""

    def __init__(self, per_second: float, burst: float) -> None:
        self.per_second, self.burst = per_second, burst
        self.tokens, self.at = burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class ThrottlingRelay:
    """Takes what the bucket allows at RCPT, throttles the rest; records when it took each."""

    def __init__(self, per_second: float) -> None:
        self.bucket = Bucket(per_second, max(1.0, per_second / 5))
        self.taken: list[float] = []
        self.throttled = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.bucket.take():
            self.throttled += 1
            return "451 4.7.1 rate limited, slow down"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.taken.append(time.monotonic())
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", default="20,100,300", help="R, messages a second")
    parser.add_argument("--seconds", type=float, default=90.0, help="how long each send lasts")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--trace", action="store_true", help="print each second's intake")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-throttle-") as folder:
        folder = Path(folder)
        template = folder / "template.sqlite3"
        edition_id = prepare_edition(f"sqlite:///{template}", folder)
        print(
            f"a relay taking R messages a second; {options.connections} connections, nothing "
            f"else set; about {options.seconds:.0f} s a send (2 cores shared with other work)"
        )
        for limit in (float(n) for n in options.limits.split(",")):
            measure(folder, template, edition_id, limit, options)


def measure(folder: Path, template: Path, edition_id: int, limit: float, options) -> None:
    total = int(limit * options.seconds)
    database = folder / f"r{limit:.0f}.sqlite3"
    shutil.copy(template, database)
    add_subscribers(f"sqlite:///{database}", total)
    relay = ThrottlingRelay(limit)
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    try:
        env = bench_env(
            f"sqlite:///{database}",
            port,
            smtp_host="127.0.0.1",
            smtp_connections=options.connections,
        )
        seconds, _, out = run_timed(flask_command("send", str(edition_id)), env)
    finally:
        controller.stop()
    assert f"sent {total}," in out, out
    start = relay.taken[0]
    per_second = [0] * (int(relay.taken[-1] - start) + 1)
    for moment in relay.taken:
        per_second[int(moment - start)] += 1
    reached = next((s for s, n in enumerate(per_second) if n >= 0.9 * limit), None)
    # the send's body: from its second half to the last second at half of R (then only the
    # throttled messages' retries are left)
    body_end = max(s for s, n in enumerate(per_second) if n >= 0.5 * limit)
    body = per_second[body_end // 2 : body_end] or per_second
    steady = statistics.median(body) / limit
    attempts = total + relay.throttled
    if options.trace:
        print("  each second:", " ".join(str(n) for n in per_second))
    print(
        f"R {limit:5.0f}/s, {total:,} messages in {seconds:.1f} s: 90% of R after "
        f"{'never' if reached is None else f'{reached} s'}; second half at {steady:.2f} of R "
        f"(median second); "
        f"{relay.throttled} of {attempts:,} attempts throttled ({relay.throttled / attempts:.2%})"
    )


if __name__ == "__main__":
    main()
