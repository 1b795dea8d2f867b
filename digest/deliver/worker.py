"""One sending thread: claim a batch, and for each row re-check, build, send, mark.

No transaction is open while the SMTP server is talked to: the row is read,
the read transaction ends, the message goes out, and the row is marked in its
own short write transaction right after the server's reply.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from digest.deliver.ledger import next_due_at
from digest.deliver.outbox import (
    Claim,
    RowToSend,
    claim_batch,
    load_row,
    mark_failed,
    mark_sent,
    mark_skipped,
    release_rows,
    renew_lease,
    retry_later,
    suppress_subscriber,
)
from digest.deliver.pacing import ConnectBackoff, backoff_at
from digest.deliver.transport import DeliveryFailure, Transport
from digest.models import SubscriberStatus, SubscriptionStatus, utcnow

if TYPE_CHECKING:
    from digest.deliver.sender import EditionSender

IDLE_SECONDS = 1.0


class ConnectionLost(Exception):
    """The connection is gone: hand the rest of the batch back and reconnect later."""

    def __init__(self, is_row_settled: bool) -> None:
        super().__init__("connection lost")
        self.is_row_settled = is_row_settled  # False: the row in hand goes back too


class Worker:
    """Everything a worker reads and writes goes through `connection`, its own for its life."""

    def __init__(self, sender: EditionSender, transport: Transport, connection: Connection) -> None:
        self.sender = sender
        self.transport = transport
        self.connection = connection
        self.backoff = ConnectBackoff()
        self.renew_every = sender.lease.total_seconds() / 4

    def run(self) -> None:
        while not self.sender.stop.is_set():
            claim = claim_batch(
                self.connection, self.sender.edition_id, self.sender.batch_size, self.sender.lease
            )
            if claim.ids:
                self._send_batch(claim)
            elif not self._wait_for_due_rows():
                return

    def _wait_for_due_rows(self) -> bool:
        """Sleep until a pending row may be claimable; False when none is pending."""
        due = next_due_at(self.connection, self.sender.edition_id)
        if due is None:
            return False
        self.sender.stop.wait(min(max((due - utcnow()).total_seconds(), 0.02), IDLE_SECONDS))
        return True

    def _send_batch(self, claim: Claim) -> None:
        remaining = list(reversed(claim.ids))
        renewed_at = time.monotonic()
        while remaining:
            if self.sender.stop.is_set():
                return release_rows(self.connection, claim, remaining)
            if time.monotonic() - renewed_at > self.renew_every:
                claim = renew_lease(self.connection, claim, remaining, self.sender.lease)
                renewed_at = time.monotonic()
                kept = set(claim.ids)
                remaining = [i for i in remaining if i in kept]
                continue
            try:
                self._send_one(claim, remaining[-1])
            except ConnectionLost as lost:
                release_rows(
                    self.connection, claim, remaining[:-1] if lost.is_row_settled else remaining
                )
                self.sender.stop.wait(self.backoff.failed())
                return None
            remaining.pop()
        return None

    def _send_one(self, claim: Claim, delivery_id: int) -> None:
        """Send one row if it is still ours and still wanted; raises ConnectionLost."""
        row = load_row(self.connection, delivery_id, claim.token)  # ends its transaction
        if row is None:
            return
        reason = ineligible_reason(row)
        if reason:
            mark_skipped(self.connection, delivery_id, reason)
            return
        try:
            data = self.sender.compose(row)
        except ValueError as exc:  # a field the template cannot take, e.g. a 2 KB name
            mark_failed(
                self.connection, delivery_id, None, f"cannot personalise: {exc}", attempted=False
            )
            return
        self.sender.rate.wait()
        try:
            self.transport.send(self.sender.envelope_from, row.email, data, is_dot_stuffed=True)
        except DeliveryFailure as failure:
            self._handle_failure(row, failure)
            return
        mark_sent(self.connection, delivery_id)
        self.sender.streak.success()
        self.backoff.succeeded()

    def _handle_failure(self, row: RowToSend, failure: DeliveryFailure) -> None:
        if failure.at_connect:
            self._handle_connect_failure(row, failure)
        elif failure.is_permanent:
            self._fail_permanently(row, failure)
        elif self.sender.is_past_deadline():
            mark_failed(
                self.connection,
                row.delivery_id,
                failure.code,
                f"gave up after retries: {failure.reason}",
            )
        else:
            at = backoff_at(row.attempts + 1, self.sender.retry_base)
            retry_later(self.connection, row.delivery_id, at, failure.code, failure.reason)
        if not self.transport.is_connected:
            raise ConnectionLost(True)

    def _handle_connect_failure(self, row: RowToSend, failure: DeliveryFailure) -> None:
        """Nothing was said about this recipient: the row goes back unless time is up."""
        if failure.is_permanent:
            self._count_towards_pause(row, failure)
        if self.sender.is_past_deadline():
            mark_failed(
                self.connection,
                row.delivery_id,
                failure.code,
                f"gave up after retries: {failure}",
                attempted=False,
            )
            raise ConnectionLost(True)
        raise ConnectionLost(False)

    def _fail_permanently(self, row: RowToSend, failure: DeliveryFailure) -> None:
        mark_failed(self.connection, row.delivery_id, failure.code, failure.reason)
        if failure.is_bad_address:
            reason = f"{failure.code} {failure.reason}"
            suppress_subscriber(self.connection, row.subscriber_id, reason)
        self._count_towards_pause(row, failure)

    def _count_towards_pause(self, row: RowToSend, failure: DeliveryFailure) -> None:
        streak = self.sender.streak
        if streak.failure(failure.kind, row.delivery_id):
            self.sender.pause(f"{streak.limit} messages in a row refused: {failure}")


def ineligible_reason(row: RowToSend) -> str | None:
    """Why a row must not be sent now (unsubscribed or suppressed since release), or None."""
    if row.subscription_status is not SubscriptionStatus.ACTIVE:
        return f"subscription {row.subscription_status.value}"
    if row.subscriber_status is not SubscriberStatus.OK:
        return f"address {row.subscriber_status.value}"
    return None
