"""Sending through a relay 20 ms away (a real network path, tests/support/relaypath.py, to
Postfix's smtp-sink): the pipelining transport waits two round trips a message where smtplib
waits four, and one when messages are chained (each reply read with the next envelope). The
smallest size of bench/relay.py; needs root and smtp-sink, about 8 s."""

from __future__ import annotations

import contextlib
import os
import smtplib
import time

import pytest

from digest.deliver.transport import SmtpTransport
from digest.settings import SmtpSettings
from tests.support.relaypath import (
    RELAY_ADDRESS,
    SMTP_SINK,
    PathUnavailable,
    RelayPath,
    unavailable_reason,
)

ONE_WAY_MS = 10  # RTT 20 ms
MESSAGES = 40
PORT = 2525
SENDER = "news@digest.test"
MESSAGE = b"Subject: a digest\r\n\r\n" + b"A line of a digest about the size of ours.\r\n" * 1400


def _skip_reason() -> str | None:
    if not os.access(SMTP_SINK, os.X_OK):
        return "needs Postfix's smtp-sink (apt-get install postfix)"
    return unavailable_reason()


pytestmark = [
    pytest.mark.netpath,
    pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or ""),
]


@pytest.fixture(scope="module")
def path():
    with contextlib.ExitStack() as stack:
        try:
            built = stack.enter_context(RelayPath(ONE_WAY_MS, tag="digest-test"))
            built.start_smtp_sink(PORT)
        except PathUnavailable as exc:
            pytest.skip(f"no slow network path here: {exc}")
        yield built


def seconds_per_message(send, count: int = MESSAGES) -> float:
    started = time.perf_counter()
    for number in range(count):
        send(f"reader{number}@example.net")
    return (time.perf_counter() - started) / count


def test_the_path_has_the_round_trip_it_was_built_for(path):
    assert path.rtt_ms <= path.noop_ms(PORT) < path.rtt_ms + 5


def test_the_pipelining_transport_waits_two_round_trips_a_message(path):
    transport = SmtpTransport(SmtpSettings(host=RELAY_ADDRESS, port=PORT, timeout=5))
    with path.sender_side():
        transport.send(SENDER, "first@example.net", MESSAGE)  # connected, warm
    try:
        assert transport.pipelines
        took = seconds_per_message(lambda to: transport.send(SENDER, to, MESSAGE))
    finally:
        transport.close()
    assert took < 3 * path.rtt_ms / 1000


def test_chained_messages_wait_one_round_trip_each(path):
    transport = SmtpTransport(SmtpSettings(host=RELAY_ADDRESS, port=PORT, timeout=5))
    answers = []
    with path.sender_side():
        transport.send(SENDER, "first@example.net", MESSAGE)  # connected, warm
    try:
        took = seconds_per_message(
            lambda to: transport.send(SENDER, to, MESSAGE, then=answers.append)
        )
        transport.flush()
    finally:
        transport.close()
    assert answers == [None] * MESSAGES  # every message answered, each a 250
    assert took < 1.5 * path.rtt_ms / 1000


def test_a_plain_smtplib_loop_waits_four(path):
    with path.sender_side():
        client = smtplib.SMTP(RELAY_ADDRESS, PORT, timeout=5)
    try:
        client.sendmail(SENDER, ["first@example.net"], MESSAGE)
        took = seconds_per_message(lambda to: client.sendmail(SENDER, [to], MESSAGE))
    finally:
        client.quit()
    assert took > 3.5 * path.rtt_ms / 1000
