"""The one door for sending an edition: release it once, hand it to a runner, settle it.

Every face sends through `deliver_edition` with the runner the context chose once from
the settings (threads here, or queue workers), and every sender, thread or worker, ends
through `settle_edition` and `pause_unsendable`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection

from digest.deliver import dispatch, ledger, subjects
from digest.deliver.compose import Composer
from digest.deliver.engine import BatchJob
from digest.deliver.progress import counts_of
from digest.deliver.runners import Progress, Runner
from digest.edition import lifecycle
from digest.edition.lifecycle import get_edition
from digest.errors import EditionUnsendable, InvalidTransition
from digest.extensions import db
from digest.models import Edition, EditionStatus
from digest.settings import Settings

DONE = (EditionStatus.SENT, EditionStatus.CANCELLED)
DECIDE_SECONDS = 10.0  # how often a sender waiting on a subject test asks whether it is over


def deliver_edition(
    edition_id: int,
    settings: Settings,
    runner: Runner | None = None,
    *,
    wait: bool = True,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Release (once) and deliver an approved edition, or resume one; returns the ledger's counts.

    `runner` is the context's (None: this process's threads). Safe to run again: it resumes
    and never re-sends. An edition-wide failure pauses the edition with its reason, fails no
    recipient and raises EditionUnsendable; a streak of refusals pauses it and returns.
    Without `wait` it returns once no row can be sent now (a later call goes on).
    """
    if runner is None:
        from digest.deliver.runners.threads import ThreadRunner

        runner = ThreadRunner()
    edition = get_edition(edition_id)
    if edition.status not in DONE:
        job = _release(edition, settings)
        db.session.commit()
        if edition.has_subject_test and edition.test_winner is None:
            with db.engine.connect() as connection:
                subjects.decide_if_due(connection, edition_id)
        outcome = runner.deliver(job, wait=wait, progress=progress)
        settle_edition(edition_id, outcome.pause_reason, outcome.pause_kind)
    return counts_of(edition_id)


def _release(edition: Edition, settings: Settings) -> BatchJob:
    if edition.status is EditionStatus.DRAFT:
        raise InvalidTransition(edition.id, "draft", "sending", "approve it first")
    if edition.status is EditionStatus.PAUSED:
        lifecycle.resume(edition)
    try:
        if edition.is_frozen:
            composer = dispatch.prepare(edition, settings)
        else:
            composer = dispatch.release(edition, settings)
    except EditionUnsendable as exc:
        pause_unsendable(edition.id, exc)
        raise
    return batch_job(edition, composer, settings)


def batch_job(edition: Edition, composer: Composer, settings: Settings) -> BatchJob:
    """What every batch of a released edition is sent with (threads and queue workers alike)."""
    undecided = edition.has_subject_test and edition.test_winner is None
    return BatchJob(
        edition_id=edition.id,
        composer=composer,
        envelope_from=settings.delivery.envelope_from(edition.newsletter.from_email),
        settings=settings.delivery,
        retry_deadline=dispatch.retry_deadline(edition, settings),
        on_idle=_deciding(edition.id) if undecided else BatchJob.on_idle,
    )


def _deciding(edition_id: int, every: float = DECIDE_SECONDS) -> Callable[[Connection], None]:
    """What a waiting sender does: decide the subject test when its time has come, looking
    at most once every `every` seconds (the senders of one edition share the clock)."""
    last = [-math.inf]
    lock = threading.Lock()

    def decide(connection: Connection) -> None:
        with lock:
            if time.monotonic() - last[0] < every:
                return
            last[0] = time.monotonic()
        subjects.decide_if_due(connection, edition_id)

    return decide


def pause_unsendable(edition_id: int, error: EditionUnsendable) -> None:
    """The edition cannot be compiled: pause it with the reason and fail no recipient."""
    db.session.rollback()
    edition = db.session.get(Edition, edition_id, with_for_update=True)
    if edition is None:
        return
    if edition.status is not EditionStatus.PAUSED:
        if EditionStatus.PAUSED not in lifecycle.ALLOWED[edition.status]:
            return  # finished meanwhile: nothing left to hold
        lifecycle.pause(edition, error.reason)
    edition.pause_reason = error.reason
    db.session.commit()


def settle_edition(
    edition_id: int, pause_reason: str | None = None, pause_kind: str | None = None
) -> str | None:
    """Pause the edition for the reason a sender gave, or mark it sent once no row is pending;
    says what it did (None: nothing).

    Any number of senders may call this at once: the edition's row is locked and its status
    read again first, so exactly one of them moves it. A streak's rows go back to pending even
    when someone else paused first; a pause made elsewhere (a person, the bounce rate) stays.
    """
    if pause_reason is None and _has_pending(edition_id):
        return None
    try:
        edition = db.session.get(Edition, edition_id, with_for_update=True, populate_existing=True)
        if pause_kind:
            _reopen_streak(edition_id, pause_kind)
        if edition is None or edition.status is not EditionStatus.SENDING:
            return None
        said = _finish(edition, pause_reason)
        db.session.commit()
        return said
    finally:
        db.session.rollback()


def _finish(edition: Edition, pause_reason: str | None) -> str | None:
    if pause_reason is not None:
        lifecycle.pause(edition, pause_reason)
        return f"paused: {pause_reason}"
    if _has_pending(edition.id):
        return None
    lifecycle.transition(edition, EditionStatus.SENT)
    return "edition sent"


def _reopen_streak(edition_id: int, kind: str) -> None:
    """The streak blamed the server, not the recipients: its rows go back to pending."""
    with db.engine.connect() as connection:
        ledger.reopen_rows(connection, ledger.streak_rows(connection, edition_id, kind))


def _has_pending(edition_id: int) -> bool:
    with db.engine.connect() as connection:
        return ledger.has_pending(connection, edition_id)
