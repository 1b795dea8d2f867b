"""The sending engine: worker threads claim rows, personalise, send, and mark each row after 250."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from digest.deliver.ledger import delivery_counts, finish_if_done, reopen_rows
from digest.deliver.message import Addressee, DkimSigner, MessageTemplate, Sender
from digest.deliver.outbox import RowToSend, release_edition
from digest.deliver.pacing import FailureStreak, RateLimiter
from digest.deliver.transport import SmtpSettings, SmtpTransport, Transport, dot_stuff
from digest.deliver.worker import Worker
from digest.errors import NotFound
from digest.extensions import db
from digest.models import Edition, EditionStatus, Newsletter, utcnow
from digest.render import Recipient, compile_for_topics, parse_snapshot
from digest.tokens import subscriber_url

Progress = Callable[[dict[str, int]], None]
PROGRESS_SECONDS = 1.0


def smtp_settings(config: dict) -> SmtpSettings:
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        security=config["SMTP_SECURITY"],
        user=config["SMTP_USER"],
        password=config["SMTP_PASSWORD"],
        timeout=config["SMTP_TIMEOUT"],
    )


def lease_length(config: dict) -> timedelta:
    """How long a claim holds its rows between renewals.

    A worker renews its lease at least every quarter of it, and between two
    renewals it sends at most one message, which the SMTP timeout bounds (one
    per command); ten timeouts leave a wide margin. After a crash, the rows the
    dead process held wait this long before another sender takes them over.
    """
    seconds = config.get("SEND_LEASE_SECONDS") or 10 * config["SMTP_TIMEOUT"]
    return timedelta(seconds=seconds)


class EditionSender:
    """Delivers one edition to every pending row; safe to run again, it resumes."""

    def __init__(
        self, app: Flask, edition_id: int, transport_factory: Callable[[], Transport] | None = None
    ) -> None:
        self.app = app
        self.edition_id = edition_id
        config = app.config
        self.transport_factory = transport_factory or (lambda: SmtpTransport(smtp_settings(config)))
        self.workers = max(1, config["SMTP_CONNECTIONS"])
        self.batch_size = max(1, config["SEND_BATCH"])
        self.lease = lease_length(config)
        self.retry_base = config["RETRY_BASE_SECONDS"]
        self.rate = RateLimiter(config["SEND_RATE"])
        self.streak = FailureStreak(config["PAUSE_AFTER_FAILURES"])
        self.stop = threading.Event()
        self.pause_reason: str | None = None
        self.errors: list[BaseException] = []
        self._templates: dict[frozenset[str] | None, MessageTemplate] = {}
        self._template_lock = threading.Lock()

    def run(self, progress: Progress | None = None) -> dict[str, int]:
        with self.app.app_context():
            edition = self._start()
            if edition.status is EditionStatus.SENT:
                return delivery_counts(self.edition_id)
            db.session.rollback()
            self._run_workers(progress)
            return self._finish()

    def _start(self) -> Edition:
        edition = db.session.get(Edition, self.edition_id)
        if edition is None:
            raise NotFound("edition", self.edition_id)
        self.signer = self._signer(edition.newsletter)  # an unusable key stops us before release
        release_edition(edition)
        if edition.status is EditionStatus.PAUSED:
            edition.status, edition.pause_reason = EditionStatus.SENDING, None
        db.session.commit()
        self._prepare(edition)
        return edition

    def _signer(self, newsletter: Newsletter) -> DkimSigner | None:
        config = self.app.config
        if not config["DKIM_KEY_FILE"]:
            return None
        domain = config["DKIM_DOMAIN"] or newsletter.from_email.rpartition("@")[2]
        return DkimSigner(config["DKIM_KEY_FILE"], config["DKIM_SELECTOR"], domain)

    def _prepare(self, edition: Edition) -> None:
        newsletter = edition.newsletter
        self.view = parse_snapshot(edition.snapshot)
        self.deadline = edition.released_at.timestamp() + self.app.config["RETRY_DEADLINE_SECONDS"]
        self.envelope_from = self.app.config["BOUNCE_ADDRESS"] or newsletter.from_email
        domain = newsletter.from_email.rpartition("@")[2] or "localhost"
        self.sender = Sender(
            from_name=newsletter.title,
            from_email=newsletter.from_email,
            list_id=f"{newsletter.title} <{newsletter.slug}.{domain}>",
            unsubscribe_mailto=f"mailto:{self.envelope_from}?subject=unsubscribe",
        )

    def _run_workers(self, progress: Progress | None) -> None:
        threads = [threading.Thread(target=self._work, daemon=True) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        try:
            while any(thread.is_alive() for thread in threads):
                deadline = time.monotonic() + PROGRESS_SECONDS
                for thread in threads:
                    thread.join(timeout=max(0.0, deadline - time.monotonic()))
                if progress:
                    progress(delivery_counts(self.edition_id))
                    db.session.rollback()
        except KeyboardInterrupt:  # Ctrl-C: let the workers hand their unsent rows back
            self.stop.set()
            for thread in threads:
                thread.join()
            raise

    def _work(self) -> None:
        with self.app.app_context():
            transport = self.transport_factory()
            try:
                with db.engine.connect() as connection:
                    Worker(self, transport, connection).run()
            except BaseException as exc:  # a job boundary: stop the others, re-raised by run()
                self.errors.append(exc)
                self.stop.set()
            finally:
                transport.close()
                db.session.remove()

    def _finish(self) -> dict[str, int]:
        if self.errors:
            raise self.errors[0]
        edition = db.session.get(Edition, self.edition_id)
        if self.pause_reason:
            reopen_rows(list(self.streak.delivery_ids))
            edition.status, edition.pause_reason = EditionStatus.PAUSED, self.pause_reason
            db.session.commit()
        else:
            finish_if_done(edition)
        return delivery_counts(self.edition_id)

    def pause(self, reason: str) -> None:
        """Stop every worker; the edition is left paused until `send` runs again."""
        self.pause_reason = self.pause_reason or reason
        self.stop.set()

    def is_past_deadline(self) -> bool:
        return time.time() > self.deadline

    def compose(self, row: RowToSend) -> bytes:
        """This row's message (signed when DKIM is on), dot-stuffed and ready for DATA."""
        recipient = Recipient(
            email=row.email,
            name=row.name,
            unsubscribe_url=subscriber_url("unsubscribe", row.subscription_id),
            preferences_url=subscriber_url("preferences", row.subscription_id),
            view_url=self.view.archive_url,
        )
        template = self._template_for(row.topics)
        addressee = Addressee(recipient, row.message_id, utcnow())
        if self.signer:
            return dot_stuff(self.signer.sign(template.render(addressee)))
        return template.render(addressee, dot_stuffed=True)

    def _template_for(self, topics: list[str] | None) -> MessageTemplate:
        """Compile once per distinct topic set, shared by all workers."""
        key = frozenset(topics) if topics else None
        with self._template_lock:
            if key not in self._templates:
                compiled = compile_for_topics(self.view, key)
                self._templates[key] = MessageTemplate(compiled, self.sender)
            return self._templates[key]


def send_edition(app: Flask, edition_id: int, progress: Progress | None = None) -> dict[str, int]:
    """Release (once) and deliver an edition; returns the ledger's counts."""
    return EditionSender(app, edition_id).run(progress)
