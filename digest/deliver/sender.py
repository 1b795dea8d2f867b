"""The sending engine: worker threads claim rows, personalise, send, and mark each row after 250."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select, update

from digest.deliver.message import DkimSigner, Envelope, build_message, message_bytes
from digest.deliver.outbox import (
    claim_batch,
    delivery_counts,
    finish_if_done,
    mark_failed,
    mark_sent,
    mark_skipped,
    next_due_at,
    release_edition,
    reopen_rows,
    retry_later,
    suppress_subscriber,
)
from digest.deliver.pacing import FailureStreak, RateLimiter, backoff_at
from digest.deliver.transport import DeliveryFailure, SmtpSettings, SmtpTransport, Transport
from digest.errors import NotFound
from digest.extensions import db
from digest.models import (
    Delivery,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    utcnow,
)
from digest.render import Recipient, compile_for_topics, parse_snapshot, personalise
from digest.tokens import subscriber_url

Progress = Callable[[dict[str, int]], None]


@dataclass(frozen=True)
class Row:
    delivery: Delivery
    subscriber: Subscriber
    subscription: Subscription


def smtp_settings(config: dict) -> SmtpSettings:
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        security=config["SMTP_SECURITY"],
        user=config["SMTP_USER"],
        password=config["SMTP_PASSWORD"],
        timeout=config["SMTP_TIMEOUT"],
    )


class EditionSender:
    """Delivers one edition to every pending row; safe to run again, it resumes."""

    def __init__(self, app: Flask, edition_id: int,
                 transport_factory: Callable[[], Transport] | None = None) -> None:
        self.app = app
        self.edition_id = edition_id
        config = app.config
        self.transport_factory = transport_factory or (
            lambda: SmtpTransport(smtp_settings(config))
        )
        self.workers = max(1, config["SMTP_CONNECTIONS"])
        self.rate = RateLimiter(config["SEND_RATE"])
        self.streak = FailureStreak(config["PAUSE_AFTER_FAILURES"])
        self.stop = threading.Event()
        self.pause_reason: str | None = None
        self._compiled: dict[frozenset[str] | None, object] = {}
        self._compile_lock = threading.Lock()

    def run(self, progress: Progress | None = None) -> dict[str, int]:
        with self.app.app_context():
            edition = self._start()
            if edition.status is EditionStatus.SENT:
                return delivery_counts(self.edition_id)
            threads = [threading.Thread(target=self._work, daemon=True) for _ in range(self.workers)]
            for thread in threads:
                thread.start()
            while any(thread.is_alive() for thread in threads):
                for thread in threads:
                    thread.join(timeout=0.5)
                if progress:
                    progress(delivery_counts(self.edition_id))
                db.session.rollback()
            return self._finish()

    def _start(self) -> Edition:
        edition = db.session.get(Edition, self.edition_id)
        if edition is None:
            raise NotFound("edition", self.edition_id)
        release_edition(edition)
        if edition.status is EditionStatus.PAUSED:
            edition.status, edition.pause_reason = EditionStatus.SENDING, None
        db.session.commit()
        self._prepare(edition)
        return edition

    def _prepare(self, edition: Edition) -> None:
        config = self.app.config
        self.view = parse_snapshot(edition.snapshot)
        self.newsletter = edition.newsletter
        self.deadline = edition.released_at.timestamp() + config["RETRY_DEADLINE_SECONDS"]
        self.signer = None
        if config["DKIM_KEY_FILE"]:
            domain = config["DKIM_DOMAIN"] or self.newsletter.from_email.rpartition("@")[2]
            self.signer = DkimSigner(config["DKIM_KEY_FILE"], config["DKIM_SELECTOR"], domain)
        self.envelope_from = config["BOUNCE_ADDRESS"] or self.newsletter.from_email
        self.list_id = f"{self.newsletter.title} <{self.newsletter.slug}.{self._domain()}>"

    def _domain(self) -> str:
        return self.newsletter.from_email.rpartition("@")[2] or "localhost"

    def _finish(self) -> dict[str, int]:
        edition = db.session.get(Edition, self.edition_id)
        if self.pause_reason:
            self._undo_streak()
            edition.status, edition.pause_reason = EditionStatus.PAUSED, self.pause_reason
            db.session.commit()
        else:
            finish_if_done(edition)
        return delivery_counts(self.edition_id)

    def _undo_streak(self) -> None:
        """A pause blames the server: the streak's rows go back to pending, nobody stays suppressed."""
        ids = list(self.streak.delivery_ids)
        subscriber_ids = db.session.scalars(
            select(Delivery.subscriber_id).where(Delivery.id.in_(ids))
        ).all()
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id.in_(subscriber_ids), Subscriber.status == SubscriberStatus.BOUNCED)
            .values(status=SubscriberStatus.OK, status_reason=None)
        )
        reopen_rows(ids)

    def _work(self) -> None:
        with self.app.app_context():
            transport = self.transport_factory()
            try:
                self._work_loop(transport)
            finally:
                transport.close()
                db.session.remove()

    def _work_loop(self, transport: Transport) -> None:
        pause = 0.0
        while not self.stop.is_set():
            ids = claim_batch(self.edition_id, self.app.config["SEND_BATCH"])
            if not ids:
                due = next_due_at(self.edition_id)
                db.session.rollback()
                if due is None:
                    return
                time.sleep(min(max((due - utcnow()).total_seconds(), 0.05), 1.0))
                continue
            pause = self._send_batch(transport, ids, pause)

    def _send_batch(self, transport: Transport, ids: list[int], pause: float) -> float:
        """Send a claimed batch; a failed connection releases the rest and backs the worker off."""
        for index, delivery_id in enumerate(ids):
            if self.stop.is_set():
                self._release(ids[index:])
                return pause
            if self._send_one(transport, delivery_id):
                pause = 0.0
                continue
            if not transport.is_connected:
                self._release(ids[index + 1 :])
                pause = min(max(pause * 2, 0.2), 30.0)
                time.sleep(pause)
                return pause
        return pause

    def _release(self, ids: list[int]) -> None:
        if ids:
            db.session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(lease_until=None))
            db.session.commit()

    def _send_one(self, transport: Transport, delivery_id: int) -> bool:
        """True when the server accepted the message or the row needed no sending."""
        row = self._load(delivery_id)
        if row is None:
            return True
        reason = ineligible_reason(row)
        if reason:
            mark_skipped(delivery_id, reason)
            return True
        data = self._message_for(row)
        email_address = row.subscriber.email
        db.session.rollback()  # never hold a transaction during the SMTP conversation
        self.rate.wait()
        try:
            transport.send(self.envelope_from, email_address, data)
        except DeliveryFailure as failure:
            self._handle_failure(row, failure)
            return False
        mark_sent(delivery_id)
        self.streak.success()
        return True

    def _load(self, delivery_id: int) -> Row | None:
        found = db.session.execute(
            select(Delivery, Subscriber, Subscription)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .join(Subscription, Subscription.id == Delivery.subscription_id)
            .where(Delivery.id == delivery_id)
        ).first()
        return Row(*found) if found else None

    def _message_for(self, row: Row) -> bytes:
        subscription_id = row.subscription.id
        recipient = Recipient(
            email=row.subscriber.email,
            name=row.subscriber.name,
            unsubscribe_url=subscriber_url("unsubscribe", subscription_id),
            preferences_url=subscriber_url("preferences", subscription_id),
            view_url=self.view.archive_url,
        )
        rendered = personalise(self._compiled_for(row.subscription.topics), recipient)
        envelope = Envelope(
            from_name=self.newsletter.title,
            from_email=self.newsletter.from_email,
            to_email=row.subscriber.email,
            to_name=row.subscriber.name,
            subject=rendered.subject,
            message_id=row.delivery.message_id,
            list_id=self.list_id,
            unsubscribe_url=recipient.unsubscribe_url,
            unsubscribe_mailto=f"mailto:{self.envelope_from}?subject=unsubscribe",
            date=utcnow(),
        )
        return message_bytes(build_message(envelope, rendered.text, rendered.html), self.signer)

    def _compiled_for(self, topics: list[str]):
        key = frozenset(topics) if topics else None
        with self._compile_lock:
            if key not in self._compiled:
                self._compiled[key] = compile_for_topics(self.view, key)
            return self._compiled[key]

    def _handle_failure(self, row: Row, failure: DeliveryFailure) -> None:
        delivery_id = row.delivery.id
        if failure.is_permanent:
            mark_failed(delivery_id, failure.code, failure.reason)
            if failure.is_bad_address:
                suppress_subscriber(row.subscriber.id, f"{failure.code} {failure.reason}")
            if self.streak.failure(failure.kind, delivery_id):
                self.pause_reason = f"{self.streak.limit} messages in a row refused: {failure}"
                self.stop.set()
        elif time.time() > self.deadline:
            mark_failed(delivery_id, failure.code, f"gave up after retries: {failure.reason}")
        else:
            at = backoff_at(row.delivery.attempts, self.app.config["RETRY_BASE_SECONDS"])
            retry_later(delivery_id, at, failure.code, failure.reason)


def ineligible_reason(row: Row) -> str | None:
    """Why a row must not be sent now (unsubscribed or suppressed since release), or None."""
    if row.subscription.status is not SubscriptionStatus.ACTIVE:
        return f"subscription {row.subscription.status.value}"
    if row.subscriber.status is not SubscriberStatus.OK:
        return f"address {row.subscriber.status.value}"
    return None


def send_edition(app: Flask, edition_id: int, progress: Progress | None = None) -> dict[str, int]:
    """Release (once) and deliver an edition; returns the ledger's counts."""
    return EditionSender(app, edition_id).run(progress)
