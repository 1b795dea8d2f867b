"""The single-scheduler lock: a lease row that only its holder can renew before it expires."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from digest.errors import SchedulerAlreadyRunning
from digest.extensions import db
from digest.models import SchedulerLease, utcnow

LOCK_NAME = "scheduler"


def holder_name() -> str:
    """Unique per process: two containers may share a host name and both be PID 1."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


# On PostgreSQL the lease is backed by a session advisory lock, held by one connection for
# the scheduler's life: the database itself refuses a second holder, whatever clocks say.
ADVISORY_KEY = 0x6469676573  # "diges"
_advisory: dict[str, Connection] = {}


def acquire_lease(holder: str, seconds: int) -> None:
    """Take the lease or raise SchedulerAlreadyRunning naming the live holder."""
    _take_advisory_lock(holder)
    try:
        _take_lease_row(holder, seconds)
    except SchedulerAlreadyRunning:
        _drop_advisory_lock(holder)
        raise


def _take_advisory_lock(holder: str) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    connection = db.engine.connect()
    taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
    connection.commit()
    if not taken:
        connection.close()
        current = db.session.scalar(
            select(SchedulerLease.holder).where(SchedulerLease.name == LOCK_NAME)
        )
        raise SchedulerAlreadyRunning(current or "a process holding the advisory lock")
    _advisory[holder] = connection


def _drop_advisory_lock(holder: str) -> None:
    connection = _advisory.pop(holder, None)
    if connection is not None:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
        connection.close()


def _take_lease_row(holder: str, seconds: int) -> None:
    if renew_lease(holder, seconds, allow_expired=True):
        return
    try:
        db.session.execute(
            insert(SchedulerLease).values(
                name=LOCK_NAME, holder=holder, expires_at=utcnow() + timedelta(seconds=seconds)
            )
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        current = db.session.scalar(
            select(SchedulerLease.holder).where(SchedulerLease.name == LOCK_NAME)
        )
        raise SchedulerAlreadyRunning(current or "unknown") from None


def renew_lease(holder: str, seconds: int, allow_expired: bool = False) -> bool:
    """Extend our lease; with allow_expired, also take over one whose holder stopped renewing."""
    now = utcnow()
    mine = SchedulerLease.holder == holder
    condition = (mine | (SchedulerLease.expires_at < now)) if allow_expired else mine
    renewed = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LOCK_NAME, condition)
        .values(holder=holder, expires_at=now + timedelta(seconds=seconds))
    ).rowcount
    db.session.commit()
    return bool(renewed)


def release_lease(holder: str) -> None:
    _drop_advisory_lock(holder)
    db.session.execute(
        delete(SchedulerLease).where(
            SchedulerLease.name == LOCK_NAME, SchedulerLease.holder == holder
        )
    )
    db.session.commit()
