"""Subject tests: a sample split evenly between two to four subject lines goes first, the rest
waits, and the line most readers clicked goes to everyone else, exactly once, across a crash."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from digest.deliver import subjects
from digest.deliver.clicks import record_click
from digest.deliver.progress import progress_of
from digest.deliver.runners.threads import ThreadRunner
from digest.deliver.transport import SmtpTransport
from digest.extensions import db
from digest.links import read_click_token
from digest.models import Delivery, DeliveryStatus, Edition, EditionStatus
from tests.deliver.conftest import duplicates
from tests.support.cli import run_ok
from tests.support.factories import settings_of

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
B_LINE = "Three things to know this morning"


def with_test(sending, lines: tuple[str, ...] = (B_LINE,), share: int = 40, minutes: int = 60):
    edition = sending.edition()
    edition.other_subjects, edition.test_share, edition.test_minutes = list(lines), share, minutes
    db.session.commit()
    return edition


def subjects_received(smtp_server) -> Counter:
    return Counter(str(m.message["Subject"]) for m in smtp_server.received)


def recipients(smtp_server) -> list[str]:
    return [address for m in smtp_server.received for address in m.recipients]


def waiting_rows(edition_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.edition_id == edition_id, Delivery.variant.is_(None))
    )


def click(edition: Edition, line: int, readers: range, story: int = 0) -> None:
    """Readers (told apart by their address) each open one story of the line's mail."""
    for n in readers:
        record_click(
            edition,
            0,
            story,
            method="GET",
            ip=f"10.0.{n // 250}.{n % 250}",
            user_agent=BROWSER,
            variant=line,
        )
    db.session.commit()


def decide(edition_id: int, after_minutes: float) -> str | None:
    edition = db.session.get(Edition, edition_id)
    with db.engine.connect() as connection:
        now = edition.released_at + timedelta(minutes=after_minutes)
        return subjects.decide_if_due(connection, edition_id, now)


def test_the_sample_goes_first_split_evenly_and_the_rest_waits(sending, smtp_server):
    run = sending(subscribers=100)
    with_test(run)
    counts = run.send(wait=False)  # what can go now: the sample
    assert counts["sent"] == 40 and counts["pending"] == 60
    assert subjects_received(smtp_server) == {"City Digest: news": 20, B_LINE: 20}
    assert waiting_rows(run.edition_id) == 60
    assert run.edition().status is EditionStatus.SENDING
    assert decide(run.edition_id, after_minutes=30) is None  # the window is still open
    assert waiting_rows(run.edition_id) == 60
    progress = progress_of(run.edition())
    assert progress.time_left == "subject test: the rest waits for the winning line"
    assert progress.eta_seconds is None and progress.waiting == 60


def test_the_line_most_readers_clicked_goes_to_everyone_else_once(sending, smtp_server):
    run = sending(subscribers=100)
    with_test(run)
    run.send(wait=False)
    edition = run.edition()
    b_mail = next(m for m in smtp_server.received if m.message["Subject"] == B_LINE)
    html = b_mail.message.get_body(("html",)).get_content()
    token = re.search(r'href="http://digest\.test/c/([^"]+)"', html).group(1)
    assert read_click_token(settings_of(run.app).links, token).variant == 1
    answer = run.app.test_client().get(f"/c/{token}", headers={"User-Agent": BROWSER})
    assert answer.status_code == 302
    click(edition, 1, range(1, 6))
    click(edition, 0, range(100, 103))
    decision = decide(run.edition_id, after_minutes=61)
    assert decision.startswith(f"B “{B_LINE}”: most readers clicked in 60 minutes")
    assert decide(run.edition_id, after_minutes=62) is None  # decided once
    counts = run.send()
    assert counts["sent"] == 100 and counts["pending"] == 0
    assert subjects_received(smtp_server) == {"City Digest: news": 20, B_LINE: 80}
    assert sorted(recipients(smtp_server)) == sorted(run.emails)
    edition = run.edition()
    assert edition.status is EditionStatus.SENT and edition.test_winner == 1
    assert [(r["line"], r["delivered"], r["clickers"]) for r in edition.test_results] == [
        (0, 20, 3),
        (1, 20, 6),
    ]
    found = json.loads(run_ok(run.app.test_cli_runner(), "stats", str(run.edition_id), "--json"))
    assert found["subjects"] == [
        {
            "line": "A",
            "subject": "City Digest: news",
            "delivered": 20,
            "unique_clickers": 3,
            "winner": False,
        },
        {"line": "B", "subject": B_LINE, "delivered": 20, "unique_clickers": 6, "winner": True},
    ]
    table = run_ok(run.app.test_cli_runner(), "stats", str(run.edition_id))
    assert f"B* {B_LINE}" in table and "most readers clicked" in table


def test_without_a_click_the_editions_own_subject_wins(sending, smtp_server):
    run = sending(subscribers=100)
    with_test(run, lines=(B_LINE, "Your Tuesday digest"))
    run.send(wait=False)
    assert subjects_received(smtp_server) == {  # 40% would be 13 a line: at least 20 a line
        "City Digest: news": 20,
        B_LINE: 20,
        "Your Tuesday digest": 20,
    }
    assert "no reader clicked" in decide(run.edition_id, after_minutes=60)
    assert run.send()["sent"] == 100
    assert subjects_received(smtp_server)["City Digest: news"] == 20 + 40


def test_a_clear_winner_is_decided_early(sending, smtp_server):
    run = sending(subscribers=300)
    with_test(run, share=67)  # 100 readers a line, 100 wait
    run.send(wait=False)
    edition = run.edition()
    click(edition, 1, range(0, 30))
    click(edition, 0, range(300, 304))
    decision = decide(run.edition_id, after_minutes=5)
    assert decision and "decided early" in decision and decision.startswith("B ")
    assert run.send()["sent"] == 300


def test_a_close_race_waits_for_the_window(sending, smtp_server):
    run = sending(subscribers=300)
    with_test(run, share=67)
    run.send(wait=False)
    edition = run.edition()
    click(edition, 1, range(0, 12))
    click(edition, 0, range(300, 310))
    assert decide(run.edition_id, after_minutes=30) is None
    assert "most readers clicked" in decide(run.edition_id, after_minutes=60)


def test_an_editor_may_choose_before_the_window_closes(sending, smtp_server):
    run = sending(subscribers=100)
    with_test(run)
    run.send(wait=False)
    with db.engine.connect() as connection:
        said = subjects.choose(connection, run.edition_id, 0, "ann@digest.test")
        assert said == "A “City Digest: news”: chosen by ann@digest.test"
        assert subjects.choose(connection, run.edition_id, 1, "bob@digest.test") is None
    assert run.send()["sent"] == 100
    assert subjects_received(smtp_server)["City Digest: news"] == 80


def test_too_few_readers_for_a_test_get_the_editions_subject(sending, smtp_server):
    run = sending(subscribers=30)
    with_test(run, share=20)  # 2 lines x at least 20 readers is more than 30
    assert run.send()["sent"] == 30
    assert subjects_received(smtp_server) == {"City Digest: news": 30}
    edition = run.edition()
    assert edition.test_winner == 0 and "too few" in edition.test_decision


class Crashing(SmtpTransport):
    """Sends like the real transport, until the process 'dies' at the nth message: each
    message settled before the next begins, so the crash falls between two (none in doubt)."""

    sent = 0
    crash_at = 0
    lock = threading.Lock()

    def send(self, *args, **kwargs) -> None:
        with Crashing.lock:
            if Crashing.sent >= Crashing.crash_at:
                raise SystemExit("killed mid-test")
            Crashing.sent += 1
        super().send(*args, **kwargs)
        self.flush()


def test_a_crash_mid_test_resumes_it_and_nobody_gets_two(sending, smtp_server):
    run = sending(subscribers=100, send_lease_seconds="1")
    with_test(run)
    Crashing.sent, Crashing.crash_at = 0, 25
    settings = settings_of(run.app)
    with pytest.raises(SystemExit):
        run.send(runner=ThreadRunner(lambda: Crashing(settings.delivery.smtp)))
    assert len(smtp_server.received) == 25 and waiting_rows(run.edition_id) == 60
    run.send(wait=False)  # a new process: what of the sample it can claim now, not the rest
    assert len(smtp_server.received) <= 40 and waiting_rows(run.edition_id) == 60
    assert run.edition().test_winner is None  # the test goes on where it was
    with db.engine.connect() as connection:
        assert subjects.choose(connection, run.edition_id, 1, "ann@digest.test")
    assert run.send()["sent"] == 100  # the crashed claim's rows once their lease ran out
    assert duplicates(recipients(smtp_server)) == {}
    per_row = dict(
        db.session.execute(
            select(Delivery.variant, func.count())
            .where(Delivery.edition_id == run.edition_id, Delivery.status == DeliveryStatus.SENT)
            .group_by(Delivery.variant)
        ).all()
    )
    assert per_row == {0: 20, 1: 80}


def test_the_odds_of_the_best_line():
    even = subjects.best_line_odds([(10, 100), (10, 100)])
    assert even[0] == pytest.approx(0.5, abs=0.01)
    clear = subjects.best_line_odds([(5, 1000), (30, 1000)])
    assert clear[1] > 0.999
    three = subjects.best_line_odds([(50, 1000), (52, 1000), (80, 1000)])
    assert sum(three) == pytest.approx(1.0) and three[2] > 0.99 and three[0] < three[1]
    big = subjects.best_line_odds([(1000, 100000), (1100, 100000)])
    assert 0.98 < big[1] < 0.999  # narrow posteriors keep a fine enough grid
