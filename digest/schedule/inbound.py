"""Returned mail, face side: each message handled in an app context and committed once,
from the SMTP server (`digest inbound`) or from the mailbox the scheduler polls."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select

from digest.deliver.inbound.act import InboundMail, Outcome, handle_mail
from digest.deliver.outbox import send_mail
from digest.deliver.returnpath import base_of, read_address
from digest.extensions import db
from digest.jobs import record_job
from digest.models import Newsletter
from digest.settings import Settings

log = logging.getLogger(__name__)


def _settings(app: Flask) -> Settings:
    return app.extensions["digest.settings"]


def known_bases(settings: Settings) -> frozenset[str]:
    """Our bounce and unsubscribe mailboxes: the bounce address, or each newsletter's sender."""
    bases = {address.lower() for address in db.session.scalars(select(Newsletter.from_email))}
    if settings.delivery.bounce_address:
        bases = {settings.delivery.bounce_address.lower()}
    return frozenset(bases)


def accepts(app: Flask, address: str) -> bool:
    """RCPT: one of our mailboxes, bare or with a valid signed token; nothing else."""
    with app.app_context():
        try:
            if base_of(address) not in known_bases(_settings(app)):
                return False
            if "+" not in address.rpartition("@")[0]:
                return True
            return read_address(address, _settings(app).links.secret_key) is not None
        finally:
            db.session.remove()


def receive(app: Flask, mail: InboundMail) -> Outcome:
    """Handle one mail and commit, then send the answer it earned, if any; an error rolls
    back and is raised (the mail is kept)."""
    with app.app_context():
        settings = _settings(app)
        try:
            outcome = handle_mail(mail, settings, known_bases(settings))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
        if outcome.mail_id is not None:
            _send_answer(outcome.mail_id, settings)
        return outcome


def _send_answer(mail_id: int, settings: Settings) -> None:
    """After the commit; a failure leaves the mail in the outbox for the scheduler."""
    try:
        send_mail(mail_id, settings.delivery.smtp)
    except Exception:  # the mail was handled and committed: its answer is the outbox's job now
        log.exception("answer %s to a returned mail not sent now", mail_id)
    finally:
        db.session.remove()


def receive_quietly(app: Flask, mail: InboundMail) -> bool:
    try:
        outcome = receive(app, mail)
    except Exception:  # one bad mail must not stop the poll; it stays in the mailbox
        log.exception("mailbox message could not be handled")
        return False
    log.info("mailbox %s: %s", outcome.kind, outcome.action)
    return True


def poll_bounce_mailbox(app: Flask) -> None:
    """The scheduler's job: fetch the bounce mailbox, recorded in the job history."""
    from digest.deliver.inbound.mailbox import poll_mailbox

    url = _settings(app).inbound.bounce_mailbox
    if not url:
        return

    def work() -> str:
        fetched, handled = poll_mailbox(url, lambda mail: receive_quietly(app, mail))
        return f"{fetched} returned mails fetched, {handled} handled"

    with app.app_context():
        try:
            record_job("bounce mailbox", None, work)
        except Exception:  # a job boundary: recorded in the history, the scheduler goes on
            log.exception("bounce mailbox poll failed")
        finally:
            db.session.remove()
