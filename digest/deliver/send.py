"""Sending one edition from start to end: release it once, run the senders, settle its status."""

from __future__ import annotations

from collections.abc import Callable

from digest.deliver import dispatch, ledger
from digest.deliver.compose import Composer
from digest.deliver.engine import BatchJob
from digest.deliver.progress import counts_of
from digest.deliver.runners.threads import Progress, RunOutcome, run_threads
from digest.deliver.transport import Transport
from digest.edition import lifecycle
from digest.edition.lifecycle import get_edition
from digest.errors import EditionUnsendable, InvalidTransition
from digest.extensions import db
from digest.models import Edition, EditionStatus
from digest.settings import Settings

DONE = (EditionStatus.SENT, EditionStatus.CANCELLED)


def send_edition(
    edition_id: int,
    settings: Settings,
    progress: Progress | None = None,
    transport_factory: Callable[[], Transport] | None = None,
    *,
    wait_for_retries: bool = True,
) -> dict[str, int]:
    """Release (once) and deliver an approved edition, or resume one; returns the ledger's counts.

    Safe to run again: it resumes and never re-sends. An edition-wide failure
    pauses the edition with its reason, fails no recipient and raises
    EditionUnsendable; a streak of refusals pauses it and returns. Without
    `wait_for_retries` it returns once no row can be sent now (a later run goes on).
    """
    edition = get_edition(edition_id)
    if edition.status not in DONE:
        job = _start(edition, settings)
        db.session.commit()
        outcome = run_threads(db.engine, job, progress, transport_factory, wait_for_retries)
        _settle(edition_id, outcome)
    return counts_of(edition_id)


def _start(edition: Edition, settings: Settings) -> BatchJob:
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
        _pause_unsendable(edition.id, exc)
        raise
    return batch_job(edition, composer, settings)


def batch_job(edition: Edition, composer: Composer, settings: Settings) -> BatchJob:
    """What every batch of a released edition is sent with (threads and queue workers alike)."""
    return BatchJob(
        edition_id=edition.id,
        composer=composer,
        envelope_from=settings.delivery.envelope_from(edition.newsletter.from_email),
        settings=settings.delivery,
        retry_deadline=dispatch.retry_deadline(edition, settings),
    )


def release_edition(edition_id: int, settings: Settings) -> bool:
    """Release an approved edition (once), or resume a paused one, and commit; sends nothing.
    Queue mode's workers do the sending. False when the edition is already finished."""
    edition = get_edition(edition_id)
    if edition.status in DONE:
        return False
    _start(edition, settings)
    db.session.commit()
    return True


def _pause_unsendable(edition_id: int, error: EditionUnsendable) -> None:
    db.session.rollback()
    edition = get_edition(edition_id)
    if edition.status is not EditionStatus.PAUSED:
        lifecycle.pause(edition, error.reason)
    edition.pause_reason = error.reason
    db.session.commit()


def _settle(edition_id: int, outcome: RunOutcome) -> None:
    """Pause with the reason the senders gave, or mark the edition sent once no row is pending."""
    db.session.rollback()
    edition = get_edition(edition_id)
    with db.engine.connect() as connection:
        if outcome.pause_kind:  # the streak's refusals go back to pending
            rows = ledger.streak_rows(connection, edition_id, outcome.pause_kind)
            ledger.reopen_rows(connection, rows)
        if edition.status is EditionStatus.PAUSED:
            pass  # paused elsewhere while sending (by a person, or by its bounce rate)
        elif outcome.pause_reason:
            lifecycle.pause(edition, outcome.pause_reason)
        elif not ledger.has_pending(connection, edition_id):
            lifecycle.transition(edition, EditionStatus.SENT)
    db.session.commit()
