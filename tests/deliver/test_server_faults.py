"""What the SMTP server does wrong, and what every subscriber ends up with."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select, update

from digest.extensions import db
from digest.links import make_token
from digest.models import (
    DeliveryStatus,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
    Subscription,
    utcnow,
)
from tests.deliver.conftest import duplicates
from tests.support.factories import settings_of


def test_connection_dropped_halfway_loses_and_repeats_nothing(sending, smtp_server):
    job = sending(subscribers=1000, send_batch="50")
    dropped = set()

    def drop_twice_from_500(address, accepted):
        if accepted >= 500 and len(dropped) < 2 and address not in dropped:
            dropped.add(address)
            return "DROP"
        return None

    smtp_server.handler.rcpt_script = drop_twice_from_500
    counts = job.send()
    received = smtp_server.recipients()
    assert len(dropped) == 2
    assert sorted(received) == sorted(job.emails)
    assert duplicates(received) == {}
    assert counts["sent"] == 1000 and counts["pending"] == counts["retrying"] == 0
    assert job.edition().status is EditionStatus.SENT


def test_421_at_greeting_backs_off_then_delivers_everything(sending, smtp_server):
    job = sending(subscribers=30)
    busy_until = time.monotonic() + 1.5
    smtp_server.set_greeting(
        lambda: "421 4.3.2 busy, come back later" if time.monotonic() < busy_until else None
    )
    counts = job.send()
    assert sorted(smtp_server.recipients()) == sorted(job.emails)
    assert counts["sent"] == 30
    # Two workers doubling their wait from 0.2 s: about 6 refused attempts each in 1.5 s.
    assert smtp_server.connections <= 20, smtp_server.connections


def test_a_relay_that_takes_two_connections_gets_two_after_a_refusal_or_two(sending, smtp_server):
    job = sending(subscribers=600, smtp_connections="4", send_batch="50")
    refused = []

    def at_most_two() -> str | None:
        if smtp_server.controller.open_sessions > 2:  # this one counted already
            refused.append(time.monotonic())
            return "421 4.7.0 too many connections from your host"
        return None

    smtp_server.set_greeting(at_most_two)
    counts = job.send()
    assert counts["sent"] == 600 and duplicates(smtp_server.recipients()) == {}
    # two turned away at the start cut the gate to the two connections that work; four
    # senders retrying on their own backoff would keep knocking for the whole send
    assert len(refused) <= 3, len(refused)  # 12 without the gate


def test_a_throttled_message_goes_again_soon_a_busy_mailbox_later(sending, smtp_server):
    job = sending(subscribers=10, retry_base_seconds="60")
    throttled, busy = job.emails[2], job.emails[5]
    replies = {throttled: "451 4.7.1 rate limited, slow down", busy: "450 4.2.1 mailbox busy"}
    smtp_server.handler.rcpt_script = lambda address, _: replies.get(address)
    counts = job.send(wait=False)
    assert counts["sent"] == 8 and counts["retrying"] == 2
    rows, now = job.rows(), utcnow()  # both were attempted before now
    soon = (rows[throttled].next_attempt_at - now).total_seconds()
    later = (rows[busy].next_attempt_at - now).total_seconds()
    # 1-2 s after a first throttle (2-4 after a second, when it came due within the send's
    # wait); 30-60 s after a busy mailbox
    tries = rows[throttled].attempts
    assert tries in (1, 2) and soon <= 2**tries and later >= 20, (tries, soon, later)


def test_450_three_times_retries_those_ten_then_delivers(sending, smtp_server):
    job = sending(subscribers=40)
    deferred = set(job.emails[5:15])
    handler = smtp_server.handler
    handler.rcpt_script = lambda address, _: (
        "450 4.2.1 mailbox busy"
        if address in deferred and handler.rcpt_attempts[address] <= 3
        else None
    )
    counts = job.send()
    assert sorted(smtp_server.recipients()) == sorted(job.emails)
    assert {a: n for a, n in handler.rcpt_attempts.items() if n > 1} == dict.fromkeys(deferred, 4)
    rows = job.rows()
    assert {rows[a].attempts for a in deferred} == {4}
    assert counts["sent"] == 40 and counts["retrying"] == 0


def test_retries_reuse_the_stored_message_id(sending, smtp_server):
    job = sending(subscribers=5)
    handler = smtp_server.handler
    handler.rcpt_script = lambda address, _: (
        "451 4.3.0 try again" if handler.rcpt_attempts[address] == 1 else None
    )
    job.send()
    rows = job.rows()
    for item in smtp_server.received:
        assert item.message["Message-ID"] == rows[item.recipients[0]].message_id


def test_550_511_fails_and_suppresses_three_addresses_without_retrying(sending, smtp_server):
    job = sending(subscribers=20)
    unknown = {job.emails[2], job.emails[9], job.emails[17]}
    handler = smtp_server.handler
    handler.rcpt_script = lambda a, _: "550 5.1.1 no such user" if a in unknown else None
    counts = job.send()
    assert sorted(smtp_server.recipients()) == sorted(set(job.emails) - unknown)
    assert all(handler.rcpt_attempts[a] == 1 for a in unknown)
    rows = job.rows()
    for address in unknown:
        assert rows[address].status is DeliveryStatus.FAILED
        assert rows[address].smtp_code == 550
        assert rows[address].last_error == "5.1.1 no such user"
        assert job.subscriber_status(address) is SubscriberStatus.BOUNCED
    assert counts["failed"] == counts["suppressed"] == 3 and counts["sent"] == 17
    assert job.edition().status is EditionStatus.SENT


def test_554_for_everyone_pauses_without_suppressing_then_resumes(sending, smtp_server):
    job = sending(subscribers=60, pause_after_failures="5")
    smtp_server.handler.rcpt_script = lambda a, _: "554 5.7.1 sending account blocked"
    counts = job.send()
    edition = job.edition()
    assert edition.status is EditionStatus.PAUSED and "554" in edition.pause_reason
    assert edition.finished_at is None
    assert counts["failed"] == counts["suppressed"] == counts["sent"] == 0
    assert counts["pending"] + counts["retrying"] == 60
    assert smtp_server.received == []

    smtp_server.handler.rcpt_script = None
    counts = job.send()
    assert sorted(smtp_server.recipients()) == sorted(job.emails)
    assert counts["sent"] == 60 and counts["failed"] == 0
    assert job.edition().status is EditionStatus.SENT


def test_bad_address_reply_for_everyone_pauses_and_suppresses_nobody(sending, smtp_server):
    job = sending(subscribers=30, pause_after_failures="5")
    smtp_server.handler.rcpt_script = lambda a, _: "550 5.1.1 relay thinks nobody exists"
    job.send()
    assert job.edition().status is EditionStatus.PAUSED
    assert {job.subscriber_status(a) for a in job.emails} == {SubscriberStatus.OK}
    assert job.counts()["failed"] == 0


def test_timeouts_are_retried_and_delivered_once(sending, smtp_server):
    job = sending(subscribers=10)
    handler = smtp_server.handler
    handler.rcpt_script = lambda a, _: (
        "HANG" if a == job.emails[3] and handler.rcpt_attempts[a] == 1 else None
    )
    counts = job.send()
    assert sorted(smtp_server.recipients()) == sorted(job.emails)
    assert handler.rcpt_attempts[job.emails[3]] == 2
    assert counts["sent"] == 10


def test_temporary_failures_give_up_at_the_deadline(sending, smtp_server):
    job = sending(subscribers=5, retry_deadline_seconds="0.6")
    smtp_server.handler.rcpt_script = lambda a, _: "451 4.4.1 later" if a == job.emails[0] else None
    counts = job.send()
    row = job.rows()[job.emails[0]]
    assert row.status is DeliveryStatus.FAILED and row.last_error.startswith("gave up")
    assert smtp_server.handler.rcpt_attempts[job.emails[0]] > 1
    assert counts["sent"] == 4 and counts["failed"] == 1
    assert job.edition().status is EditionStatus.SENT


def test_an_address_unsubscribed_mid_send_gets_nothing_more(sending, smtp_server):
    job = sending(subscribers=60, smtp_connections="1")
    leaver = job.emails[40]
    leave_url = unsubscribe_path(job.app, leaver)
    client = job.app.test_client()
    clicked = threading.Event()

    def unsubscribe_at_tenth(item, accepted):
        if accepted == 10 and not clicked.is_set():
            clicked.set()
            response = client.post(leave_url, data={"List-Unsubscribe": "One-Click"})
            assert response.status_code == 200
        return None

    smtp_server.handler.data_script = unsubscribe_at_tenth
    counts = job.send()
    assert clicked.is_set()
    assert sorted(smtp_server.recipients()) == sorted(set(job.emails) - {leaver})
    row = job.rows()[leaver]
    assert row.status is DeliveryStatus.SKIPPED and "unsubscribed" in row.last_error
    assert counts["sent"] == 59 and counts["skipped"] == 1


def unsubscribe_path(app, address: str) -> str:
    subscription_id = db.session.scalar(
        select(Subscription.id).join(Subscriber).where(Subscriber.email == address)
    )
    return f"/unsubscribe/{make_token(settings_of(app).links, 'unsubscribe', subscription_id)}"


def test_a_refusal_after_another_sender_paused_on_the_streak_joins_that_streak(
    sending, smtp_server
):
    """Pausing reopens the streak's rows, which ends the streak in the ledger. A sender still
    in its batch (its view of the status is up to a second old) stops at its next refusal
    of the same kind and hands it back with the others, instead of starting a new streak."""
    from digest.deliver import dispatch, ledger
    from digest.deliver.engine import BatchEnd, send_batch
    from digest.deliver.send import batch_job
    from digest.deliver.transport import SmtpTransport

    job = sending(subscribers=20, pause_after_failures="5")
    settings = settings_of(job.app)
    edition = db.session.get(Edition, job.edition_id)
    dispatch.release(edition, settings)
    db.session.commit()
    work = batch_job(edition, dispatch.prepare(edition, settings), settings)
    db.session.rollback()
    with db.engine.connect() as connection:
        claim = ledger.claim_batch(connection, job.edition_id, 20, timedelta(minutes=5))
    db.session.execute(
        update(Edition).where(Edition.id == job.edition_id).values(status=EditionStatus.PAUSED)
    )  # another sender paused on its streak, and reopened it
    db.session.commit()
    smtp_server.handler.rcpt_script = lambda a, _: "554 5.7.1 sending account blocked"
    transport = SmtpTransport(settings.delivery.smtp)
    try:
        with db.engine.connect() as connection:
            result = send_batch(connection, claim, work, transport)
    finally:
        transport.close()
    assert result.end is BatchEnd.PAUSE and result.pause_kind is not None
    assert sum(smtp_server.handler.rcpt_attempts.values()) == 1  # not a new streak of 5


def test_a_person_pausing_mid_send_keeps_their_pause_when_a_refusal_follows(sending, smtp_server):
    job = sending(subscribers=20, pause_after_failures="5")
    engine = db.engine

    def pause_then_refuse(address, accepted):
        with engine.begin() as connection:  # an editor presses "pause" meanwhile
            connection.execute(
                update(Edition)
                .where(Edition.id == job.edition_id)
                .values(status=EditionStatus.PAUSED, pause_reason="paused by a person")
            )
        return "554 5.7.1 sending account blocked"

    smtp_server.handler.rcpt_script = pause_then_refuse
    counts = job.send()
    edition = job.edition()
    assert edition.status is EditionStatus.PAUSED
    assert edition.pause_reason == "paused by a person"
    assert counts["failed"] == counts["sent"] == 0
    assert counts["pending"] + counts["retrying"] == 20
    # each of the two connections may have had one message in flight when the pause landed
    assert sum(smtp_server.handler.rcpt_attempts.values()) <= 2
