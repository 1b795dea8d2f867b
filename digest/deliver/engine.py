"""The sending engine: one claimed batch, sent row by row, each row marked after the server's reply.

No threads, no Flask, no shared objects: everything it reads and writes goes
through the connection it is given, and what it must know about the edition
comes in one frozen `BatchJob`. A runner (threads in one process today, a task
queue for scale-out) claims a batch and calls `send_batch`; running it twice on
the same claim, or losing it half-way, changes nothing the ledger does not say.
No transaction is open while the SMTP server is talked to.
"""

from __future__ import annotations

import contextlib
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from digest.audience import ineligible_reason
from digest.deliver import ledger
from digest.deliver.compose import Composer, NothingToSend
from digest.deliver.ledger import Claim, RowToSend
from digest.deliver.pacing import backoff_at
from digest.deliver.transport import DeliveryFailure, Transport
from digest.errors import EditionUnsendable, RecipientRejected
from digest.models import utcnow
from digest.settings import DeliverySettings
from digest.words import counted

# A message the relay throttled goes again after about this long (doubling on repeats): the
# send rate has slowed down meanwhile, so it need not wait like a refusal by the recipient.
THROTTLE_RETRY_SECONDS = 2.0

# Rows are read (and re-checked: still ours, still wanted) this many at a time, and read
# again when the last read is older than ROWS_FRESH_SECONDS: one statement instead of one
# a message, while an unsubscribe still counts until moments before its message goes.
ROWS_AT_ONCE = 20
ROWS_FRESH_SECONDS = 1.0


class BatchEnd(enum.Enum):
    DONE = "done"  # every row of the claim was settled or taken over
    STOPPED = "stopped"  # asked to stop; unsent rows were handed back
    CONNECTION_LOST = "connection lost"  # unsent rows handed back; reconnect after a backoff
    PAUSE = "pause"  # the edition must pause: the server or the edition is the problem


@dataclass(frozen=True)
class BatchResult:
    end: BatchEnd
    pause_reason: str | None = None
    pause_kind: str | None = None  # the failure streak's kind, when a streak caused the pause
    refused_as_busy: bool = False  # the relay turned the connection away as one too many


@dataclass(frozen=True)
class BatchJob:
    """What sending any batch of one edition needs to know."""

    edition_id: int
    composer: Composer
    envelope_from: str
    settings: DeliverySettings
    retry_deadline: datetime
    should_stop: Callable[[], bool] = lambda: False
    pace: Callable[[], None] = lambda: None  # waits for the rate limit, if any
    # After each attempt: True when the relay said to slow down (see AdaptiveRate).
    feedback: Callable[[bool], None] = lambda throttled: None
    # Queue mode's shared limits: `admit` waits for the send rate and returns, instead, the
    # time until which the address's domain is held; `slow_down` holds a domain after a 4xx.
    admit: Callable[[str], datetime | None] = lambda address: None
    slow_down: Callable[[str], None] = lambda address: None
    # While a sender waits for rows to come due: decides a subject test whose time has come.
    on_idle: Callable[[Connection], None] = lambda connection: None


class _ConnectionLost(Exception):
    def __init__(self, is_row_settled: bool, refused_as_busy: bool = False) -> None:
        super().__init__("connection lost")
        self.is_row_settled = is_row_settled  # False: the row in hand goes back too
        self.refused_as_busy = refused_as_busy


class _Pause(Exception):
    def __init__(self, reason: str, kind: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def send_batch(
    connection: Connection, claim: Claim, job: BatchJob, transport: Transport
) -> BatchResult:
    """Send the claim's rows in id order; returns why it stopped."""
    try:
        return _send_rows(connection, claim, job, transport)
    except BaseException:  # settle what the server was sent, if the ledger can still say so
        with contextlib.suppress(Exception):
            transport.flush()
        raise


def _send_rows(
    connection: Connection, claim: Claim, job: BatchJob, transport: Transport
) -> BatchResult:
    remaining = list(reversed(claim.ids))
    renew_every = job.settings.lease.total_seconds() / 4
    renewed_at = time.monotonic()
    rows = _Rows(connection)
    # A message sent but not yet answered (chained, see SmtpTransport.send) is no longer in
    # `remaining`: it is settled by the next send, or by `transport.flush()` before anything
    # else happens to the claim (stop, renew, release, the end of the batch).
    while remaining:
        try:
            if job.should_stop():
                transport.flush()
                ledger.release_rows(connection, claim, remaining)
                return BatchResult(BatchEnd.STOPPED)
            if time.monotonic() - renewed_at > renew_every:
                transport.flush()
                claim = ledger.renew_lease(connection, claim, remaining, job.settings.lease)
                renewed_at = time.monotonic()
                remaining = [i for i in remaining if i in set(claim.ids)]
                continue
            row = rows.get(claim, remaining)
            if row is not None:
                _send_row(connection, claim, row, job, transport)
        except _ConnectionLost as lost:
            _flush_quietly(transport)
            settled = remaining[:-1] if lost.is_row_settled else remaining
            ledger.release_rows(connection, claim, settled)
            return BatchResult(BatchEnd.CONNECTION_LOST, refused_as_busy=lost.refused_as_busy)
        except _Pause as pause:
            _flush_quietly(transport)
            ledger.release_rows(connection, claim, remaining)
            return BatchResult(BatchEnd.PAUSE, pause.reason, pause.kind)
        remaining.pop()
    try:
        transport.flush()
    except _Pause as pause:
        return BatchResult(BatchEnd.PAUSE, pause.reason, pause.kind)
    return BatchResult(BatchEnd.DONE)


def _flush_quietly(transport: Transport) -> None:
    """Settle the message still unanswered, when the batch already ends for another reason."""
    with contextlib.suppress(_Pause, _ConnectionLost):  # it ends for the reason already known
        transport.flush()


class _Rows:
    """The claim's rows as read moments ago, ROWS_AT_ONCE at a time (see ROWS_AT_ONCE)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.read: dict[int, RowToSend | None] = {}
        self.token: datetime | None = None
        self.read_at = 0.0

    def get(self, claim: Claim, remaining: list[int]) -> RowToSend | None:
        """The row of remaining[-1] if it is still pending and ours (None otherwise)."""
        delivery_id = remaining[-1]
        stale = time.monotonic() - self.read_at > ROWS_FRESH_SECONDS
        if delivery_id not in self.read or stale or self.token != claim.token:
            wanted = remaining[: -ROWS_AT_ONCE - 1 : -1]
            found = ledger.load_rows(self.connection, wanted, claim.token)  # ends its transaction
            self.read = {i: found.get(i) for i in wanted}
            self.token, self.read_at = claim.token, time.monotonic()
        return self.read.pop(delivery_id)


def _send_row(
    connection: Connection, claim: Claim, row: RowToSend, job: BatchJob, transport: Transport
) -> None:
    """Send one row still ours and still wanted when read; raises _ConnectionLost or _Pause."""
    delivery_id = row.delivery_id
    if not row.is_eligible:
        reason = ineligible_reason(row.subscription_status, row.subscriber_status)
        ledger.mark_skipped(connection, delivery_id, reason or "not eligible")
        return
    held_until = job.admit(row.email)
    if held_until is not None:  # its domain asked us to slow down: later, no attempt counted
        ledger.defer_row(connection, delivery_id, held_until)
        return
    try:
        data = job.composer.compose(row)
    except NothingToSend as exc:  # an empty personal edition is never mailed
        ledger.mark_skipped(connection, delivery_id, str(exc))
        return
    except RecipientRejected as exc:  # a field the template cannot take, e.g. a 2 KB name
        reason = f"cannot personalise: {exc}"
        ledger.mark_failed(connection, delivery_id, None, reason, attempted=False)
        return
    except EditionUnsendable as exc:  # the edition, not this recipient: nobody is marked
        raise _Pause(exc.reason) from exc
    job.pace()

    def settle(failure: DeliveryFailure | None) -> None:
        # a connection turned away is the connection gate's to answer, not the rate's
        job.feedback(failure is not None and failure.is_throttle and not failure.at_connect)
        if failure is None:
            ledger.mark_sent(connection, delivery_id)
        else:
            _handle_failure(connection, claim, row, failure, job)

    try:  # settled now, or (chained) once the next message's round trip brings its reply
        envelope_from = job.composer.envelope_from(delivery_id)
        transport.send(envelope_from, row.email, data, is_dot_stuffed=True, then=settle)
    except DeliveryFailure as failure:
        settle(failure)
    if not transport.is_connected:
        raise _ConnectionLost(True) from None


def _handle_failure(
    connection: Connection, claim: Claim, row: RowToSend, failure: DeliveryFailure, job: BatchJob
) -> None:
    if failure.at_connect:
        _handle_connect_failure(connection, claim, row, failure, job)
    elif failure.is_permanent:
        ledger.mark_failed(
            connection, row.delivery_id, failure.code, failure.reason, kind=failure.kind
        )
        if failure.is_bad_address:
            reason = f"{failure.code} {failure.reason}"
            ledger.suppress_subscriber(connection, row.subscriber_id, reason)
        _check_streak(connection, job, failure)
    elif utcnow() > job.retry_deadline:
        reason = f"gave up after retries: {failure.reason}"
        ledger.mark_failed(connection, row.delivery_id, failure.code, reason)
    elif failure.is_throttle:  # a limit, not the recipient: the rate slows down meanwhile
        job.slow_down(row.email)  # queue mode: a domain that throttles is held for a while
        at = backoff_at(
            row.attempts + 1, min(THROTTLE_RETRY_SECONDS, job.settings.retry_base_seconds)
        )
        ledger.retry_later(connection, row.delivery_id, at, failure.code, failure.reason)
    else:
        job.slow_down(row.email)
        at = backoff_at(row.attempts + 1, job.settings.retry_base_seconds)
        ledger.retry_later(connection, row.delivery_id, at, failure.code, failure.reason)


def _handle_connect_failure(
    connection: Connection, claim: Claim, row: RowToSend, failure: DeliveryFailure, job: BatchJob
) -> None:
    """Nothing was said about this recipient: the row goes back unless time is up."""
    if utcnow() > job.retry_deadline:
        reason = f"gave up after retries: {failure}"
        ledger.mark_failed(connection, row.delivery_id, failure.code, reason, attempted=False)
        raise _ConnectionLost(True)
    if failure.is_permanent:
        ledger.refused_at_connect(connection, claim, failure.kind)
        _check_streak(connection, job, failure)
    raise _ConnectionLost(False, refused_as_busy=failure.is_throttle)


def _check_streak(connection: Connection, job: BatchJob, failure: DeliveryFailure) -> None:
    limit = job.settings.pause_after_failures
    kind = ledger.failure_streak(connection, job.edition_id, limit)
    if kind is None and failure.kind and not ledger.is_sending(connection, job.edition_id):
        # Another sender paused on this streak and reopened its rows, which ended it in the
        # ledger: this refusal belongs to it, and goes back with them (settle reopens it).
        kind = failure.kind
    if kind is not None:
        raise _Pause(f"{counted(limit, 'message')} in a row refused: {failure}", kind)
