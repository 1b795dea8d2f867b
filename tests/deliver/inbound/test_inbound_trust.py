"""Whom returned mail may speak for: only a row named through something we signed is acted
on, and a plain mail to the bare address asking to unsubscribe changes nothing by itself
(its sender gets a one-click link back, at most once a day)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select, update

from digest.deliver.inbound.act import UNSIGNED
from digest.deliver.returnpath import read_message_id
from digest.extensions import db
from digest.models import Delivery, DeliveryEvent, OutboxMail
from tests.support.inbound import (
    BOUNCE_BASE,
    SECRET,
    Row,
    corpus_message,
    events_of,
    state_of,
)


def event_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(DeliveryEvent))


def naming_only(row: Row, message_id: str) -> Row:
    """The row as a report would name it by that Message-ID alone (no address of ours)."""
    return Row(row.delivery_id, row.email, message_id, "<x@nowhere.example>", "<x@nowhere.example>")


def test_each_message_id_carries_its_own_rows_signature(sent):
    first, second = sent.rows_by_id[0], sent.rows_by_id[1]
    assert read_message_id(SECRET, first.message_id) == first.delivery_id
    assert read_message_id(SECRET, second.message_id) == second.delivery_id
    swapped = first.message_id.replace(f"<m{first.delivery_id}.", f"<m{second.delivery_id}.")
    assert read_message_id(SECRET, swapped) is None
    assert len(first.message_id) < 80 and first.message_id.endswith("@digest.test>")


def test_a_complaint_quoting_another_readers_guessed_message_id_changes_nothing(inbound, sent):
    mine, theirs = sent.rows_by_id[0], sent.rows_by_id[1]
    guessed = mine.message_id.replace(f"<m{mine.delivery_id}.", f"<m{theirs.delivery_id}.")
    raw = corpus_message("comcast_arf_headers_only.eml", naming_only(theirs, guessed))
    inbound.send(raw, BOUNCE_BASE, mine.email)
    assert event_count() == 0
    assert state_of(theirs.email) == ("ok", ["active"])


def test_a_bounce_to_the_bare_address_quoting_a_guessed_message_id_changes_nothing(inbound, sent):
    theirs = sent.rows_by_id[2]
    guessed = f"<m{theirs.delivery_id}.{'a' * 26}@digest.test>"
    raw = corpus_message("postfix_user_unknown.eml", naming_only(theirs, guessed))
    inbound.send(raw, BOUNCE_BASE)
    assert event_count() == 0
    assert state_of(theirs.email) == ("ok", ["active"])


def test_a_feedback_loop_quoting_only_a_signed_message_id_still_unsubscribes(inbound, sent):
    row = sent.rows_by_id[3]
    raw = corpus_message("comcast_arf_headers_only.eml", naming_only(row, row.message_id))
    inbound.send(raw, BOUNCE_BASE, "feedbackloop@comcastfbl.example.net")
    assert [e.kind.value for e in events_of(row.delivery_id)] == ["complaint"]
    assert state_of(row.email) == ("complained", ["unsubscribed"])


def test_a_report_naming_its_row_by_an_unsigned_message_id_is_recorded_and_does_nothing(
    inbound, sent
):
    row = sent.rows_by_id[4]
    legacy = f"<0a1b2c3d4e5f.{sent.edition_id}.7@digest.test>"  # as editions were sent before
    db.session.execute(
        update(Delivery).where(Delivery.id == row.delivery_id).values(message_id=legacy)
    )
    db.session.commit()
    raw = corpus_message("comcast_arf_headers_only.eml", naming_only(row, legacy))
    inbound.send(raw, BOUNCE_BASE, "feedbackloop@comcastfbl.example.net")
    (event,) = events_of(row.delivery_id)
    assert (event.kind.value, event.action) == ("unknown", UNSIGNED)
    assert event.detail.startswith("unsigned complaint")
    assert state_of(row.email) == ("ok", ["active"])


def replies_to(smtp_server, address: str) -> list:
    """The answers to unsubscribe requests the mail server got for the address."""
    return [
        r
        for r in smtp_server.received
        if r.recipients == [address] and r.message["Subject"] == "Your unsubscribe request"
    ]


def plain_unsubscribe(row: Row, message_id: str = "<plain.unsub.1@example.org>") -> bytes:
    raw = corpus_message("plain_unsubscribe_to_bare.eml", row)
    return raw.replace(b"<plain.unsub.1@example.org>", message_id.encode())


def test_a_plain_unsubscribe_mail_changes_nothing_and_its_sender_gets_a_one_click_link(
    inbound, sent, smtp_server
):
    row = sent.rows_by_id[5]
    inbound.send(plain_unsubscribe(row), BOUNCE_BASE, row.email)
    assert state_of(row.email) == ("ok", ["active"])
    assert event_count() == 0
    (reply,) = replies_to(smtp_server, row.email)
    assert reply.message["Auto-Submitted"] == "auto-replied"
    link = next(w for w in reply.message.get_content().split() if "/unsubscribe/" in w)
    response = sent.app.test_client().post(urlsplit(link).path)
    assert response.status_code == 200
    assert state_of(row.email) == ("ok", ["unsubscribed"])


def test_a_forged_unsubscribe_mail_reaches_the_real_reader_as_a_link_at_most_once_a_day(
    inbound, sent, smtp_server
):
    row = sent.rows_by_id[6]
    for number in range(3):  # the forger's envelope and From both name the reader
        inbound.send(
            plain_unsubscribe(row, f"<forged.{number}@evil.example>"), BOUNCE_BASE, row.email
        )
    assert len(replies_to(smtp_server, row.email)) == 1
    assert state_of(row.email) == ("ok", ["active"])


def test_no_link_goes_to_a_stranger_or_in_answer_to_a_machine(inbound, sent, smtp_server):
    row = sent.rows_by_id[7]
    stranger = Row(row.delivery_id, "stranger@elsewhere.example", "", "", "")
    inbound.send(plain_unsubscribe(stranger), BOUNCE_BASE, stranger.email)
    inbound.send(plain_unsubscribe(row), BOUNCE_BASE, "")  # the null sender: a bounce
    automatic = plain_unsubscribe(row, "<auto.1@example.org>").replace(
        b"MIME-Version", b"Auto-Submitted: auto-replied\r\nMIME-Version"
    )
    inbound.send(automatic, BOUNCE_BASE, row.email)
    assert replies_to(smtp_server, stranger.email) == []
    assert replies_to(smtp_server, row.email) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0
    assert state_of(row.email) == ("ok", ["active"])
