"""The inbound SMTP server as a sending MTA sees it: mail it cannot read is answered for good
(never a temporary failure, which the sender would retry forever), and a heavy message does
not hold up the bounce that arrives after it."""

from __future__ import annotations

import threading

import pytest

from digest.deliver.inbound.smtpd import LARGE_BYTES
from digest.schedule.inbound import receive
from tests.support.inbound import (
    BOUNCE_BASE,
    InboundServer,
    Row,
    corpus_message,
    events_of,
    state_of,
)

DAEMON = b"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"


def no_from(row: Row) -> bytes:
    return (
        b"To: " + BOUNCE_BASE.encode() + b"\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"\r\nThe mail system could not deliver your message.\r\n"
    )


def bogus_charset(row: Row) -> bytes:
    return (
        DAEMON + b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="x-no-such-charset"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"<" + row.email.encode() + b">: 550 5.1.1 user unknown \xe4\xf6\xfc\r\n"
    )


def eight_bit_from(row: Row) -> bytes:
    return (
        b"From: M\xe4iler D\xe6mon \xff <mailer-daemon@mx.example.org>\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n\r\n"
        b"<" + row.email.encode() + b">: 550 5.1.1 user unknown\r\n"
    )


def deeply_nested(row: Row, depth: int = 5000) -> bytes:
    head = b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
    return DAEMON + b"Subject: failure notice\r\n" + head * depth + b"Subject: the end\r\n\r\nx\r\n"


# name: (the mail, the kind it is recorded as on the row whose return path it came to)
MALFORMED = {
    "no_from": (no_from, "unknown"),  # a bounce that names no failure
    "bogus_charset": (bogus_charset, "hard_bounce"),  # read as UTF-8
    "eight_bit_from": (eight_bit_from, "hard_bounce"),
    "nested_5000": (deeply_nested, "unknown"),  # unreadable
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_returned_mail_is_recorded_and_answered_for_good(inbound, sent, name):
    row = sent.rows_by_id[sorted(MALFORMED).index(name)]
    make, kind = MALFORMED[name]
    inbound.send(make(row), row.return_path)  # a 4xx or 5xx would raise here
    (event,) = events_of(row.delivery_id)
    assert event.kind.value == kind
    if name == "nested_5000":
        assert event.detail.startswith("unreadable: RecursionError")
    assert state_of(row.email)[1] == ["active"]


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_mail_to_the_bare_address_is_answered_for_good(inbound, sent, name):
    row = sent.rows_by_id[10 + sorted(MALFORMED).index(name)]
    inbound.send(MALFORMED[name][0](row), BOUNCE_BASE)  # names no row: nothing to do, 250
    assert state_of(row.email) == ("ok", ["active"])


def large_bounce(row: Row) -> bytes:
    """A real bounce quoting a copy of about 2 MB (attachments come back with the message)."""
    quoted = (b"> " + b"lorem ipsum dolor sit amet, " * 3 + b"\r\n") * 24_000
    return corpus_message("postfix_user_unknown.eml", row) + quoted


def test_a_bounce_is_acted_on_while_a_large_message_is_still_being_handled(sent):
    large_row, small_row = sent.rows_by_id[20], sent.rows_by_id[21]
    large_started, release_large = threading.Event(), threading.Event()

    def deliver(mail):
        if len(mail.raw) > LARGE_BYTES:  # hold the large one until the small one was handled
            large_started.set()
            release_large.wait(timeout=30)
        return receive(sent.app, mail)

    server = InboundServer(sent.app, deliver)
    large = threading.Thread(
        target=server.send, args=(large_bounce(large_row), large_row.return_path)
    )
    large.start()
    try:
        assert large_started.wait(timeout=30)
        bounce = corpus_message("gmail_user_unknown.eml", small_row)
        server.send(bounce, small_row.return_path)  # its 250 comes after it was acted on
        assert state_of(small_row.email)[0] == "bounced"
        assert large.is_alive() and state_of(large_row.email)[0] == "ok"
    finally:
        release_large.set()
        large.join(timeout=30)
        server.stop()
    assert state_of(large_row.email)[0] == "bounced"
