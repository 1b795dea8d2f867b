"""The outbox: service mail written with its change goes out once, after the commit, even
when the process that wrote it dies right after answering."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from digest.deliver import outbox
from digest.deliver.notices import Notice
from digest.extensions import db
from digest.models import OutboxMail, utcnow
from tests.conftest import _env
from tests.support.factories import make_newsletter, settings_of
from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
LATER = timedelta(minutes=5)  # past any lease and retry delay


def notice(to: str = "reader@example.org") -> Notice:
    body = f"From: news@digest.test\r\nTo: {to}\r\nSubject: hello\r\n\r\nHello.\r\n".encode()
    return Notice("news@digest.test", to, body)


def mail_row(mail_id: int) -> OutboxMail:
    db.session.rollback()
    return db.session.get(OutboxMail, mail_id)


def test_a_mail_goes_once_after_the_commit(app, smtp_server):
    mail_id = outbox.add_mail(notice(), "confirmation").id
    db.session.commit()
    smtp = settings_of(app).delivery.smtp
    assert outbox.send_due(smtp) == (1, 0)
    assert outbox.send_due(smtp, utcnow() + LATER) == (0, 0)
    assert [m.recipients for m in smtp_server.received] == [["reader@example.org"]]
    assert mail_row(mail_id).sent_at is not None


def test_a_rolled_back_change_sends_nothing(app, smtp_server):
    outbox.add_mail(notice(), "confirmation")
    db.session.rollback()
    assert outbox.send_due(settings_of(app).delivery.smtp) == (0, 0)
    assert smtp_server.received == []


def test_a_refusal_for_now_is_retried_later_and_a_refusal_for_good_fails(app, smtp_server):
    smtp_server.handler.rcpt_script = lambda address, n: (
        "451 4.7.1 try later" if address.startswith("soon") else "550 5.1.1 no such user"
    )
    later = outbox.add_mail(notice("soon@example.org"), "welcome").id
    never = outbox.add_mail(notice("gone@example.org"), "welcome").id
    db.session.commit()
    smtp = settings_of(app).delivery.smtp
    assert outbox.send_due(smtp) == (0, 2)
    assert mail_row(never).failed_at is not None and "550" in mail_row(never).last_error
    retry = mail_row(later)
    assert retry.failed_at is None and retry.next_attempt_at > utcnow()
    assert outbox.send_due(smtp) == (0, 0)  # not due yet
    smtp_server.handler.rcpt_script = None
    assert outbox.send_due(smtp, utcnow() + LATER) == (1, 0)
    assert [m.recipients for m in smtp_server.received] == [["soon@example.org"]]


def test_senders_racing_for_one_mail_send_it_once(app, smtp_server):
    mail_id = outbox.add_mail(notice(), "invitation").id
    db.session.commit()
    smtp = settings_of(app).delivery.smtp
    results: list[bool] = []

    def race() -> None:
        with app.app_context():
            results.append(outbox.send_mail(mail_id, smtp))
            db.session.remove()

    threads = [threading.Thread(target=race) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    assert len(smtp_server.received) == 1


@pytest.fixture
def web_process(database_url, smtp_server):
    """`flask --app wsgi run` as a real process on this test's database and SMTP server."""
    if not database_url.startswith("sqlite"):
        pytest.skip("one process on a SQLite file is enough to show the outbox's promise")
    port = free_port()
    env = os.environ | _env(database_url, DIGEST_SMTP_PORT=str(smtp_server.port))
    command = [str(FLASK), "--app", "wsgi", "run", "--port", str(port), "--no-reload"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield process, base
    process.kill()
    process.wait()


def test_a_web_process_killed_after_answering_still_sends_the_confirmation_once(
    app, smtp_server, web_process
):
    make_newsletter("city")
    db.session.commit()
    process, base = web_process
    smtp_server.handler.data_script = lambda item, n: "HANG"  # the web's own try never ends
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    page = browser.open(base + "/subscribe/city", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    fields = {"csrf_token": token, "email": "new@example.org", "name": "New"}
    form = urllib.parse.urlencode(fields).encode()
    with browser.open(base + "/subscribe/city", data=form, timeout=10) as response:
        assert response.status == 200
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert smtp_server.received == []
    smtp_server.handler.data_script = None
    smtp = settings_of(app).delivery.smtp
    db.session.rollback()
    assert outbox.send_due(smtp, utcnow() + LATER) == (1, 0)  # the scheduler's next tick
    assert outbox.send_due(smtp, utcnow() + 2 * LATER) == (0, 0)
    (mail,) = smtp_server.received
    assert mail.recipients == ["new@example.org"] and b"Confirm" in mail.data


def test_a_quiet_outbox_tick_writes_nothing(app):
    from sqlalchemy import event

    from digest.schedule.jobs import send_outbox

    writes = []

    def spy(conn, cursor, statement, *args):
        if statement.split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        send_outbox(app)
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert writes == []
