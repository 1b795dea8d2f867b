"""What a running digest reports about itself: readiness checks and metrics.

The web's /readyz and /metrics ask here and format the answer; the runner (threads or queue
workers) answers for the broker, so no face asks which one it is. Every figure is one query
on an index, or on a table of a few rows (sources, newsletters): reading them all costs a few
milliseconds on a million delivery rows (bench/metrics.py).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, case, func, select, text

from digest.deliver.runners import Runner
from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    Edition,
    EditionStatus,
    EventKind,
    JobRun,
    Newsletter,
    SchedulerLease,
    Source,
)

CHECKS = ("database", "migrations", "scheduler", "broker")
RATE_WINDOW = timedelta(seconds=60)  # messages a second: those sent in the last minute
RECENT = timedelta(days=30)  # bounce and complaint rates
JOB_WINDOW = timedelta(days=1)
IN_FLIGHT = (EditionStatus.SENDING, EditionStatus.PAUSED)


def failing_check(runner: Runner, migrations: Path, now: datetime) -> str | None:
    """The name of the first readiness check that fails, or None when the process is ready."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001  (any driver error: the database does not answer)
        db.session.rollback()
        return "database"
    checks = {
        "migrations": lambda: _schema_version() == head_revision(migrations),
        "scheduler": lambda: (_lease_expires() or now) > now,
        "broker": lambda: runner.waiting() is not None,
    }
    return next((name for name, passes in checks.items() if not passes()), None)


@functools.cache
def head_revision(migrations: Path) -> str | None:
    """The newest migration this code ships (read once per process; Alembic loads here)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(Config, migrations)).get_current_head()


def _alembic_config(config_class: type, migrations: Path):
    config = config_class()
    config.set_main_option("script_location", str(migrations))
    return config


def _schema_version() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # noqa: BLE001  (no alembic_version table: never migrated)
        db.session.rollback()
        return None


def _lease_expires() -> datetime | None:
    return db.session.scalar(select(func.max(SchedulerLease.expires_at)))


@dataclass(frozen=True)
class Figure:
    """One metric sample: name, help text, kind (gauge or counter), labels and value."""

    name: str
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()
    kind: str = "gauge"


def figures(runner: Runner, now: datetime) -> Iterator[Figure]:
    """Every metric, each from one indexed query."""
    yield from _deliveries()
    yield from _sending(runner, now)
    yield from _sources(now)
    yield from _returned_mail(now)
    yield from _jobs(now)
    yield from _newsletters()


def _deliveries() -> Iterator[Figure]:
    totals = dict.fromkeys(DeliveryStatus, 0)
    for _released, counts in edition_counts().values():
        for state, count in counts.items():
            totals[state] += count
    for state, count in totals.items():
        help_text = "Delivery rows by status, all editions."
        yield Figure("digest_deliveries", help_text, count, (("status", state.value),), "counter")


# A finished edition's rows never change again: their counts are read once per process.
_FINISHED = (EditionStatus.SENT, EditionStatus.CANCELLED)
_final_counts: dict[tuple[str, int, datetime], dict[DeliveryStatus, int]] = {}
_final_lock = threading.Lock()


def edition_counts() -> dict[int, tuple[datetime, dict[DeliveryStatus, int]]]:
    """Each released edition's release time and its rows by status: finished editions from
    memory, the rest from the (edition, status) index."""
    database = str(db.engine.url)
    editions = db.session.execute(
        select(Edition.id, Edition.status, Edition.created_at, Edition.released_at).where(
            Edition.released_at.is_not(None)
        )
    ).all()
    with _final_lock:
        known = {e.id: _final_counts.get((database, e.id, e.created_at)) for e in editions}
    counted = _count_rows([e.id for e in editions if known[e.id] is None])
    with _final_lock:
        for e in editions:
            if known[e.id] is None and e.status in _FINISHED:
                _final_counts[(database, e.id, e.created_at)] = counted.get(e.id, {})
    return {e.id: (e.released_at, known[e.id] or counted.get(e.id, {})) for e in editions}


def _count_rows(edition_ids: list[int]) -> dict[int, dict[DeliveryStatus, int]]:
    counted: dict[int, dict[DeliveryStatus, int]] = {}
    if not edition_ids:
        return counted
    rows = db.session.execute(
        select(Delivery.edition_id, Delivery.status, func.count())
        .where(Delivery.edition_id.in_(edition_ids))
        .group_by(Delivery.edition_id, Delivery.status)
    )
    for edition_id, state, count in rows:
        counted.setdefault(edition_id, {})[state] = count
    return counted


def _sending(runner: Runner, now: datetime) -> Iterator[Figure]:
    sent = _count(Delivery.sent_at >= now - RATE_WINDOW)
    yield Figure(
        "digest_messages_per_second",
        "Messages sent a second, over the last minute.",
        sent / RATE_WINDOW.total_seconds(),
    )
    yield from _pending()
    waiting = runner.waiting()
    yield Figure(
        "digest_queue_tasks",
        "Send tasks waiting in the broker (-1: the broker does not answer).",
        -1 if waiting is None else waiting,
    )


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).where(*conditions)) or 0


def _pending() -> Iterator[Figure]:
    in_flight = select(Edition.id).where(Edition.status.in_(IN_FLIGHT))
    pending = Delivery.edition_id.in_(in_flight) & (Delivery.status == DeliveryStatus.PENDING)
    count = _count(pending)
    help_text = "Rows still to send in sending or paused editions."
    yield Figure("digest_pending_deliveries", help_text, count)
    retrying = _count(pending, Delivery.attempts > 0)
    help_text = "Pending rows that failed before and wait to retry."
    yield Figure("digest_retries_waiting", help_text, retrying)


def _sources(now: datetime) -> Iterator[Figure]:
    rows = db.session.execute(
        select(
            Source.is_active,
            func.count(),
            func.coalesce(func.sum(case((Source.failure_count > 0, 1), else_=0)), 0),
        ).group_by(Source.is_active)
    )
    for is_active, count, failing in rows:
        state = (("state", "active" if is_active else "paused"),)
        yield Figure("digest_sources", "Sources by state.", count, state)
        yield Figure(
            "digest_sources_failing", "Sources whose last poll failed, by state.", failing, state
        )
    last = db.session.execute(
        select(Newsletter.slug, func.max(Source.last_success_at))
        .join(Source, Source.newsletter_id == Newsletter.id)
        .where(Source.is_active.is_(True))
        .group_by(Newsletter.slug)
    )
    for slug, when in last:
        if when is not None:
            age = (now - when).total_seconds()
            help_text = "Seconds since a source of the newsletter was last polled successfully."
            yield Figure("digest_seconds_since_poll", help_text, age, (("newsletter", slug),))


def _returned_mail(now: datetime) -> Iterator[Figure]:
    since = now - RECENT
    counts = edition_counts().values()
    sent = sum(c.get(DeliveryStatus.SENT, 0) for released, c in counts if released >= since)
    kinds = {EventKind.HARD_BOUNCE: "bounce", EventKind.COMPLAINT: "complaint"}
    counted = dict(
        db.session.execute(
            select(DeliveryEvent.kind, func.count())
            .where(DeliveryEvent.received_at >= since, DeliveryEvent.kind.in_(kinds))
            .group_by(DeliveryEvent.kind)
        ).all()
    )
    for kind, name in kinds.items():
        rate = counted.get(kind, 0) / sent if sent else 0.0
        help_text = f"Returned as a {name}, per message of the editions of the last 30 days."
        yield Figure(f"digest_{name}_rate", help_text, rate)


def _jobs(now: datetime) -> Iterator[Figure]:
    seconds = func.sum(_seconds_between(JobRun.started_at, JobRun.finished_at))
    rows = db.session.execute(
        select(JobRun.job, JobRun.status, func.count(), seconds)
        .where(JobRun.started_at >= now - JOB_WINDOW)
        .group_by(JobRun.job, JobRun.status)
    )
    for job, status, count, total in rows:
        labels = (("job", job), ("status", status))
        yield Figure("digest_job_runs_24h", "Job runs started in the last day.", count, labels)
        help_text = "Seconds the finished job runs of the last day took, together."
        yield Figure("digest_job_seconds_24h", help_text, float(total or 0), labels)


def _seconds_between(start, end):
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _newsletters() -> Iterator[Figure]:
    built = func.max(Edition.created_at)
    sent = func.max(case((Edition.status == EditionStatus.SENT, Edition.finished_at)))
    rows = db.session.execute(
        select(Newsletter.slug, built, sent)
        .join(Edition, and_(Edition.newsletter_id == Newsletter.id))
        .group_by(Newsletter.slug)
    )
    for slug, last_built, last_sent in rows:
        labels = (("newsletter", slug),)
        for name, when in (("built", last_built), ("sent", last_sent)):
            if when is not None:
                help_text = f"When the newsletter's last edition was {name} (Unix time)."
                yield Figure(
                    f"digest_last_{name}_timestamp_seconds", help_text, when.timestamp(), labels
                )
