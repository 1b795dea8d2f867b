"""Sending through a distant relay: a real network path to Postfix's smtp-sink, RTT 20 and 60 ms.

Run from the repository root, as root:
    .venv/bin/python bench/relay.py [--rtts 20,60] [--subscribers 2000,1000] [--connections 4]
        [--repeats 3] [--send-batch N]

The path is two network namespaces joined by TUN devices through a forwarder that holds every
packet RTT/2 (this kernel has no netem; tests/support/relaypath.py); smtp-sink, which offers
PIPELINING, listens on the relay's side. For each RTT, with its median NOOP round trip measured
through the path:
(a) a plain smtplib loop from the sender's side: --connections threads, one connection each,
    one pre-built digest to distinct recipients (smtplib waits after MAIL, RCPT, DATA and the
    message: four round trips a message);
(b) the whole `flask digest send` process, start-up included, run in the sender's namespace
    with DIGEST_SMTP_HOST across the path and DIGEST_SMTP_CONNECTIONS=--connections, for an
    edition of N subscribers; (b)/(a), target >= 1.7;
(c) the ceiling of a pipelining sender, connections / (2 x RTT); (b)/(c), target >= 0.8;
(d) the ceiling of a sender that also chains (each reply read with the next envelope: one
    round trip a message), connections / RTT.
(a) and (b) alternate --repeats times; medians are quoted.

Needs root, /dev/net/tun, `ip` and /usr/sbin/smtp-sink (Debian: apt-get install postfix);
without them it prints SKIP and why, and exits 0. The namespaces it made are deleted by name
on the way out, also on failure, Ctrl-C, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send import sample_message, smtplib_rate  # noqa: E402
from send_support import (  # noqa: E402
    ROOT,
    SMTP_SINK,
    add_subscribers,
    bench_env,
    flask_command,
    prepare_edition,
    run_timed,
)

sys.path.insert(0, str(ROOT))
from tests.support.relaypath import (  # noqa: E402
    RELAY_ADDRESS,
    PathUnavailable,
    RelayPath,
    unavailable_reason,
)

PORT = 2525


def main() -> None:
    options = parse_arguments()
    reason = skip_reason()
    if reason:
        print(f"SKIP: {reason}")
        return
    unwind_on_signals()
    with tempfile.TemporaryDirectory(prefix="digest-relay-") as folder:
        folder = Path(folder)
        template = folder / "template.sqlite3"
        edition_id = prepare_edition(f"sqlite:///{template}", folder)
        message = sample_message(template, edition_id)
        print(
            f"digest: {len(message):,} bytes a message; {options.connections} connections; "
            f"medians of {options.repeats} interleaved runs (2 cores shared with other work)"
        )
        for rtt, subscribers in zip(options.rtts, options.subscribers, strict=True):
            database = subscribers_database(folder, template, subscribers)
            try:
                with RelayPath(rtt / 2) as path:
                    path.start_smtp_sink(PORT)
                    measure(path, options, message, database, edition_id, subscribers)
            except PathUnavailable as exc:
                print(f"SKIP: cannot build the network path: {exc}")
                return


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtts", default="20,60", help="round trips in ms")
    parser.add_argument("--subscribers", default="2000,1000", help="one size per RTT")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--send-batch", type=int, help="DIGEST_SEND_BATCH for (b)")
    options = parser.parse_args()
    options.rtts = [float(n) for n in options.rtts.split(",")]
    options.subscribers = [int(n) for n in options.subscribers.split(",")]
    if len(options.subscribers) == 1:
        options.subscribers *= len(options.rtts)
    if len(options.subscribers) != len(options.rtts):
        parser.error("--subscribers takes one size, or one per RTT")
    return options


def skip_reason() -> str | None:
    if not os.access(SMTP_SINK, os.X_OK):
        return f"{SMTP_SINK} not found (apt-get install postfix provides smtp-sink)"
    return unavailable_reason()


def unwind_on_signals() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `finally` (namespaces) runs."""

    def stop(signum, _frame) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def subscribers_database(folder: Path, template: Path, subscribers: int) -> Path:
    """The edition's database with `subscribers` active subscribers; each send uses a copy."""
    database = folder / f"s{subscribers}.sqlite3"
    shutil.copy(template, database)
    add_subscribers(f"sqlite:///{database}", subscribers)
    return database


def measure(path: RelayPath, options, message: bytes, database: Path, edition_id, total) -> None:
    noop = path.noop_ms(PORT)
    loops, sends = [], []
    for _ in range(options.repeats):
        with path.sender_side():  # the loop's threads start, and connect, on the sender's side
            loops.append(smtplib_rate(PORT, message, total, options.connections, RELAY_ADDRESS))
        sends.append(send_rate(path, options, database, edition_id, total))
    loop, send = statistics.median(loops), statistics.median(sends)
    ceiling = options.connections / (2 * path.rtt_ms / 1000)
    print(
        f"RTT {path.rtt_ms:.0f} ms (median NOOP through the path {noop:.1f} ms), "
        f"{total:,} messages:\n"
        f"  (a) plain smtplib loop      {loop:6.1f} msg/s  (runs: {shown(loops)})\n"
        f"  (b) `flask digest send`     {send:6.1f} msg/s  (runs: {shown(sends)})\n"
        f"  (c) ceiling {options.connections}/(2 x RTT)     {ceiling:6.1f} msg/s\n"
        f"  (b)/(a) = {send / loop:.2f} (target >= 1.7); (b)/(c) = {send / ceiling:.2f} "
        f"(target >= 0.8)\n"
        f"  chained (each reply read with the next envelope), a message costs one round trip:\n"
        f"  (d) ceiling {options.connections}/RTT             {2 * ceiling:6.1f} msg/s; "
        f"(b)/(d) = {send / (2 * ceiling):.2f}"
    )


def send_rate(path: RelayPath, options, database: Path, edition_id: int, total: int) -> float:
    """Messages a second of one whole `flask digest send` process on the sender's side."""
    run = database.with_name("run.sqlite3")
    shutil.copy(database, run)
    settings = {"smtp_host": RELAY_ADDRESS, "smtp_connections": options.connections}
    if options.send_batch:
        settings["send_batch"] = options.send_batch
    env = bench_env(f"sqlite:///{run}", PORT, **settings)
    seconds, _, out = run_timed(path.in_sender(flask_command("send", str(edition_id))), env)
    assert f"sent {total}," in out, out
    return total / seconds


def shown(rates: list[float]) -> str:
    return ", ".join(f"{rate:.1f}" for rate in rates)


if __name__ == "__main__":
    main()
