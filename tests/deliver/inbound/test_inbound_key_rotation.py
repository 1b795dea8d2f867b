"""Returned mail after DIGEST_SECRET_KEY changed: a bounce to a return path, or a report that
quotes a Message-ID, signed with the old key still names its row while the old key is in
DIGEST_SECRET_KEY_FALLBACKS, and is refused once it is not."""

from __future__ import annotations

import smtplib

import pytest

from tests.support.inbound import (
    BOUNCE_BASE,
    SECRET,
    InboundServer,
    Row,
    corpus_message,
    rows_of,
    state_of,
)


@pytest.fixture
def sent_with_old_key(sending):
    """An edition sent to three readers under the old key (SECRET)."""
    job = sending(subscribers=3, bounce_address=BOUNCE_BASE)
    job.send()
    job.rows_by_id = rows_of(job.edition_id)
    return job


@pytest.fixture
def inbound_after_change(make_app):
    """inbound_after_change(fallbacks) -> `digest inbound` of an app with a new key."""
    servers = []

    def start(fallbacks: str) -> InboundServer:
        app = make_app(
            secret_key="a-new-secret", secret_key_fallbacks=fallbacks, bounce_address=BOUNCE_BASE
        )
        servers.append(InboundServer(app))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def naming_only(row: Row) -> Row:
    """The row as a feedback report names it: by its signed Message-ID alone."""
    return Row(
        row.delivery_id, row.email, row.message_id, "<x@nowhere.example>", "<x@nowhere.example>"
    )


def test_a_bounce_to_an_old_return_path_counts_while_the_old_key_is_listed(
    sent_with_old_key, inbound_after_change
):
    row = sent_with_old_key.rows_by_id[0]
    bounce = corpus_message("postfix_user_unknown.eml", row)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        inbound_after_change(fallbacks="some-other-old-key").send(bounce, row.return_path)
    assert state_of(row.email)[0] == "ok"
    inbound_after_change(fallbacks=SECRET).send(bounce, row.return_path)
    assert state_of(row.email)[0] == "bounced"


def test_a_report_quoting_an_old_message_id_counts_while_the_old_key_is_listed(
    sent_with_old_key, inbound_after_change
):
    ignored, heard = sent_with_old_key.rows_by_id[1], sent_with_old_key.rows_by_id[2]
    for row, fallbacks in ((ignored, "some-other-old-key"), (heard, SECRET)):
        raw = corpus_message("comcast_arf_headers_only.eml", naming_only(row))
        inbound_after_change(fallbacks).send(
            raw, BOUNCE_BASE, "feedbackloop@comcastfbl.example.net"
        )
    assert state_of(ignored.email) == ("ok", ["active"])
    assert state_of(heard.email) == ("complained", ["unsubscribed"])
