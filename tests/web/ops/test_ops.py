"""/healthz, /readyz and /metrics: what an orchestrator and a Prometheus scraper are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, select, text, update

from config import Config
from digest.app import create_app
from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    EditionStatus,
    EventKind,
    JobRun,
    SchedulerLease,
    Source,
    Subscription,
    utcnow,
)
from tests.support.factories import make_edition, make_newsletter, make_source, make_subscribers

TOKEN = "scrape-me-please-0123456789"


def hold_lease(seconds: float = 60) -> None:
    db.session.execute(SchedulerLease.__table__.delete())
    expires = utcnow() + timedelta(seconds=seconds)
    db.session.execute(
        insert(SchedulerLease).values(name="scheduler", holder="h", expires_at=expires)
    )
    db.session.commit()


def test_healthz_answers_while_the_process_runs(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}


def test_ready_once_a_scheduler_holds_a_live_lease(app, client):
    assert client.get("/readyz").get_json() == {"status": "unready", "failing": "scheduler"}
    hold_lease()
    answer = client.get("/readyz")
    assert (answer.status_code, answer.get_json()) == (200, {"status": "ready"})
    hold_lease(seconds=-1)  # the scheduler stopped renewing
    assert client.get("/readyz").status_code == 503


def test_an_old_schema_is_not_ready(app, client):
    hold_lease()
    head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = 'b3e8d5f0a612'"))
    db.session.commit()
    try:
        answer = client.get("/readyz")
    finally:  # PostgreSQL's tests share one schema, and alembic_version is not truncated
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        db.session.commit()
    assert (answer.status_code, answer.get_json()["failing"]) == (503, "migrations")


def test_a_database_that_does_not_answer_is_named_and_nothing_else(database_url):
    config = Config(
        {
            "DIGEST_ENV": "test",
            "DIGEST_DATABASE_URL": "postgresql+psycopg://digest:secret@127.0.0.1:1/none",
        }
    )
    answer = create_app(config).test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unready", "failing": "database"}
    assert "secret" not in answer.get_data(as_text=True)


def test_in_queue_mode_a_broker_that_does_not_answer_is_not_ready(make_app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("queue mode needs PostgreSQL: set DIGEST_TEST_POSTGRES_URL")
    app = make_app(broker_url="redis://127.0.0.1:1/0")
    with app.app_context():
        hold_lease()
        answer = app.test_client().get("/readyz")
    assert (answer.status_code, answer.get_json()["failing"]) == (503, "broker")


def test_metrics_do_not_exist_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token(make_app):
    client = make_app(metrics_token=TOKEN).test_client()
    assert client.get("/metrics").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", headers=wrong).status_code == 401


def scrape(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain; version=0.0.4")
    families = text_string_to_metric_families(answer.get_data(as_text=True))
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }


def test_metrics_report_what_the_ledger_and_the_sources_hold(make_app):
    app = make_app(metrics_token=TOKEN)
    with app.app_context():
        newsletter = make_newsletter()
        edition = make_edition(newsletter, status=EditionStatus.SENDING)
        make_subscribers(newsletter, 5)
        now = utcnow()
        edition.released_at = now - timedelta(minutes=5)
        rows = _deliveries(edition.id, now)
        db.session.add(JobRun(job="build", status="ok", started_at=now, finished_at=now))
        broken = make_source(newsletter, "Broken Wire")
        broken.failure_count, broken.is_active = 3, False
        db.session.add(
            DeliveryEvent(
                delivery_id=rows[0],
                edition_id=edition.id,
                subscriber_id=1,
                kind=EventKind.HARD_BOUNCE,
                action="suppressed",
                recipient_domain="example.org",
                channel="smtp",
                fingerprint="f1",
            )
        )
        db.session.commit()
        created = edition.created_at
        figures = scrape(app.test_client())

    status = {s: figures[("digest_deliveries_total", (("status", s),))] for s in DeliveryStatus}
    assert status == {"sent": 2, "pending": 2, "failed": 1, "skipped": 0}
    assert figures[("digest_messages_per_second", ())] == pytest.approx(2 / 60)
    assert figures[("digest_pending_deliveries", ())] == 2
    assert figures[("digest_retries_waiting", ())] == 1
    assert figures[("digest_queue_tasks", ())] == 0  # threads: no broker
    assert figures[("digest_sources", (("state", "paused"),))] == 1
    assert figures[("digest_sources_failing", (("state", "paused"),))] == 1
    assert figures[("digest_bounce_rate", ())] == pytest.approx(0.5)
    assert figures[("digest_complaint_rate", ())] == 0
    assert figures[("digest_job_runs_24h", (("job", "build"), ("status", "ok")))] == 1
    built = figures[("digest_last_built_timestamp_seconds", (("newsletter", "city"),))]
    assert built == pytest.approx(created.timestamp(), abs=1)


def _deliveries(edition_id: int, now) -> list[int]:
    """Five rows: two sent in the last minute, one failed, two pending (one a retry)."""
    subscriptions = db.session.execute(select(Subscription.id, Subscription.subscriber_id)).all()
    kinds = [
        dict(status=DeliveryStatus.SENT, sent_at=now - timedelta(seconds=10)),
        dict(status=DeliveryStatus.SENT, sent_at=now - timedelta(seconds=20)),
        dict(status=DeliveryStatus.FAILED, attempts=3),
        dict(status=DeliveryStatus.PENDING, attempts=1),
        dict(status=DeliveryStatus.PENDING),
    ]
    rows = [
        dict(edition_id=edition_id, subscriber_id=sub, subscription_id=sid, message_id=f"<{sid}@x>")
        | kind
        for (sid, sub), kind in zip(subscriptions, kinds, strict=True)
    ]
    db.session.execute(insert(Delivery), rows)
    return list(db.session.scalars(select(Delivery.id).order_by(Delivery.id)))


def test_a_source_polled_recently_is_seconds_old(make_app):
    app = make_app(metrics_token=TOKEN)
    with app.app_context():
        source = make_source(make_newsletter())
        db.session.execute(
            update(Source)
            .where(Source.id == source.id)
            .values(last_success_at=utcnow() - timedelta(seconds=90))
        )
        db.session.commit()
        figures = scrape(app.test_client())
    age = figures[("digest_seconds_since_poll", (("newsletter", "city"),))]
    assert 90 <= age < 150
