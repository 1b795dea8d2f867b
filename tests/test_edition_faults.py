"""One bad edition is harmless: each fault of issue 8, reproduced and refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.ingest.poll import import_source
from digest.ingest.store import store_articles
from digest.ingest.types import RawArticle
from digest.models import (
    Article,
    Delivery,
    DeliveryStatus,
    Edition,
    EditionStatus,
    JobRun,
    Newsletter,
)
from digest.schedule.jobs import deliver_due
from tests.support.cli import run_failing, run_ok
from tests.support.clicks import untracked
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of

ROOT = Path(__file__).resolve().parents[1]
TOO_LARGE = "A very long editor's note that no email can carry. " * 3000  # about 150 KB


def approved_edition(newsletter: Newsletter, **fields) -> Edition:
    edition = make_edition(newsletter, items=2)
    for name, value in fields.items():
        setattr(edition, name, value)
    lifecycle.approve(edition)
    db.session.commit()
    return edition


def test_an_edition_too_large_pauses_with_its_reason_and_fails_nobody(app, runner, smtp_server):
    newsletter = make_newsletter()
    make_subscribers(newsletter, 5)
    edition = approved_edition(newsletter, intro=TOO_LARGE)
    result = run_failing(runner, "send", str(edition.id))
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "cannot be sent" in errors[0]
    assert "Traceback" not in result.output
    db.session.expire_all()
    edition = db.session.get(Edition, edition.id)
    assert edition.status is EditionStatus.PAUSED and "bytes" in edition.pause_reason
    assert edition.released_at is None
    failed = select(func.count()).select_from(Delivery).where(Delivery.status == "failed")
    assert db.session.scalar(failed) == 0
    assert smtp_server.received == []


def test_a_broken_edition_never_holds_up_another_newsletters_edition(app, smtp_server):
    broken = approved_edition(make_newsletter("broken"), intro=TOO_LARGE)
    good_newsletter = make_newsletter("good", title="Good News")
    emails = make_subscribers(good_newsletter, 3)
    make_subscribers(broken.newsletter, 2, start=10)
    good = approved_edition(good_newsletter)
    deliver_due(app)
    assert sorted(smtp_server.recipients()) == sorted(emails)
    db.session.expire_all()
    assert db.session.get(Edition, good.id).status is EditionStatus.SENT
    assert db.session.get(Edition, broken.id).status is EditionStatus.PAUSED
    deliver_due(app)  # the paused edition waits for a person; the next minute sends nothing
    assert len(smtp_server.received) == 3


def test_a_newsletter_slug_is_checked_when_it_is_created(runner, app):
    result = run_failing(runner, "newsletter", "create", "Bad Slug!", "--title", "Bad")
    assert "bad newsletter slug" in result.output
    assert db.session.scalar(select(func.count()).select_from(Newsletter)) == 0
    run_ok(runner, "newsletter", "create", "good-slug-2", "--title", "Good")


def test_an_edition_with_no_items_is_never_released(runner, app, smtp_server):
    run_ok(runner, "newsletter", "create", "city", "--title", "City")
    make_subscribers(db.session.scalars(select(Newsletter)).one(), 3)
    edition_id = run_ok(runner, "build", "city").strip().splitlines()[-1]
    result = run_failing(runner, "send", edition_id)
    assert "no stories" in result.output and len(result.output.strip().splitlines()) == 1
    assert smtp_server.received == []
    edition = db.session.get(Edition, int(edition_id))
    assert edition.status is EditionStatus.DRAFT and not edition.is_frozen


def test_idle_minutes_leave_no_job_history_and_sends_are_recorded(app, runner, smtp_server):
    deliver_due(app)
    deliver_due(app)
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
    newsletter = make_newsletter()
    make_subscribers(newsletter, 2)
    edition = make_edition(newsletter, items=2)
    run_ok(runner, "send", str(edition.id))
    run = db.session.scalars(select(JobRun)).one()
    assert run.job == "send" and run.status == "ok"
    assert run.detail.startswith(f"edition {edition.id}: pending 0, sent 2,")
    assert "{" not in run.detail


def test_a_malformed_url_is_encoded_and_the_edition_still_sends(app, client, smtp_server):
    newsletter = make_newsletter()
    make_subscribers(newsletter, 2)
    source = import_source(newsletter)
    store_articles(
        source,
        [
            RawArticle(
                title="Park budget approved",
                text="The council approved the park budget on Monday after a long debate.",
                url="https://sloppy.example/news/park budget",
                image_url="https://sloppy.example/img/park photo.jpg",
            )
        ],
    )
    db.session.commit()
    article = db.session.scalars(select(Article)).one()
    assert article.canonical_url == "https://sloppy.example/news/park%20budget"
    assert article.image_url == "https://sloppy.example/img/park%20photo.jpg"
    edition = make_edition(newsletter, items=[{"canonical_url": "https://x.example/a\x07b c"}])
    lifecycle.approve(edition)
    db.session.commit()
    counts = deliver_edition(edition.id, settings_of(app))
    assert counts["sent"] == 2
    assert client.get(f"/archive/city/{edition.id}").status_code == 200
    body = smtp_server.received[0].message.get_body(("html",)).get_content()
    assert "https://x.example/a%07b%20c" in untracked(body, settings_of(app).links)


def test_the_cli_without_a_secret_key_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env["DIGEST_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "digest", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "digest: DIGEST_SECRET_KEY must be set (or DIGEST_ENV=development for the demo)"
    ]


def test_a_paused_edition_resumes_when_sent_again(app, runner, smtp_server):
    newsletter = make_newsletter()
    make_subscribers(newsletter, 2)
    edition = approved_edition(newsletter)
    lifecycle.pause(edition, "held by an editor")
    db.session.commit()
    run_ok(runner, "send", str(edition.id))
    assert db.session.get(Edition, edition.id).status is EditionStatus.SENT
    assert sorted(r.status for r in db.session.scalars(select(Delivery))) == [
        DeliveryStatus.SENT,
        DeliveryStatus.SENT,
    ]


def test_an_edition_left_sending_with_nothing_pending_is_finished(app, smtp_server):
    newsletter = make_newsletter()
    make_subscribers(newsletter, 2)
    edition = approved_edition(newsletter)
    deliver_edition(edition.id, settings_of(app))
    edition = db.session.get(Edition, edition.id)
    edition.status = EditionStatus.SENDING  # as if the sender died after its last mark
    db.session.commit()
    deliver_due(app)
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).status is EditionStatus.SENT
    assert len(smtp_server.received) == 2
