"""Returned mail fetched from a real (tiny) POP3 or IMAP server feeds the same handler and
is deleted from the mailbox once handled."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from digest.extensions import db
from digest.models import JobRun
from digest.schedule.inbound import poll_bounce_mailbox
from tests.support.cli import run_failing, run_ok
from tests.support.inbound import corpus_message, events_of, state_of
from tests.support.mailboxes import PASSWORD, USER, imap_server, pop3_server

NAMES = ["gmail_user_unknown.eml", "yahoo_arf.eml", "gmail_vacation.eml"]


def _fill(server, sent) -> list:
    rows = sent.rows_by_id[:3]
    server.messages = [corpus_message(n, row) for n, row in zip(NAMES, rows, strict=True)]
    return rows


def _mailbox_url(scheme: str, port: int) -> str:
    return f"{scheme}://{USER}:{quote(PASSWORD)}@127.0.0.1:{port}/INBOX"


def _check(rows) -> None:
    kinds = [[e.kind.value for e in events_of(row.delivery_id)] for row in rows]
    assert kinds == [["hard_bounce"], ["complaint"], ["auto_reply"]]
    assert events_of(rows[0].delivery_id)[0].channel == "mailbox"
    assert state_of(rows[0].email) == ("bounced", ["active"])
    assert state_of(rows[1].email) == ("complained", ["unsubscribed"])


@pytest.fixture
def pop3():
    server = pop3_server()
    yield server
    server.stop()


@pytest.fixture
def imap():
    server = imap_server()
    yield server
    server.stop()


def test_the_cli_fetches_a_pop3_mailbox_once(sent, make_app, pop3):
    rows = _fill(pop3, sent)
    app = make_app(
        bounce_address="bounces@digest.test", bounce_mailbox=_mailbox_url("pop3", pop3.port)
    )
    output = run_ok(app.test_cli_runner(), "inbound", "--mailbox")
    assert "3 returned mails fetched, 3 handled" in output
    assert pop3.messages == []
    _check(rows)


def test_the_scheduler_job_fetches_an_imap_mailbox(sent, make_app, imap):
    rows = _fill(imap, sent)
    app = make_app(
        bounce_address="bounces@digest.test", bounce_mailbox=_mailbox_url("imap", imap.port)
    )
    poll_bounce_mailbox(app)
    assert imap.messages == []
    _check(rows)
    db.session.rollback()
    run = db.session.scalar(select(JobRun).where(JobRun.job == "bounce mailbox"))
    assert (run.status, run.detail) == ("ok", "3 returned mails fetched, 3 handled")


def test_a_wrong_mailbox_password_is_one_line_and_keeps_the_mail(sent, make_app, pop3):
    _fill(pop3, sent)
    url = f"pop3://{USER}:wrong@127.0.0.1:{pop3.port}"
    app = make_app(bounce_address="bounces@digest.test", bounce_mailbox=url)
    result = run_failing(app.test_cli_runner(), "inbound", "--mailbox")
    assert "bounce mailbox: pop3://127.0.0.1" in result.output
    assert len(pop3.messages) == 3


def test_a_malformed_listen_address_is_one_line(runner):
    result = run_failing(runner, "inbound", "--listen", "nowhere")
    assert "--listen wants HOST:PORT" in result.output
