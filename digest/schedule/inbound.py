"""Returned mail, face side: each message handled in an app context and committed once,
from the SMTP server (`digest inbound`) or from the mailbox the scheduler polls."""

from __future__ import annotations

import logging

from flask import Flask

from digest.deliver.inbound import receiving
from digest.deliver.inbound.act import InboundMail, Outcome
from digest.extensions import db
from digest.jobs import record_job
from digest.logs import log_context
from digest.settings import Settings
from digest.words import counted

log = logging.getLogger(__name__)


def _settings(app: Flask) -> Settings:
    return app.extensions["digest.settings"]


def accepts(app: Flask, address: str) -> bool:
    """RCPT, in an app context of its own (the server's worker threads have none)."""
    with app.app_context():
        return receiving.accepts(address, _settings(app))


def receive(app: Flask, mail: InboundMail) -> Outcome:
    """One mail, handled and committed in an app context of its own."""
    with app.app_context():
        return receiving.receive(mail, _settings(app))


def receive_quietly(app: Flask, mail: InboundMail) -> bool:
    with app.app_context():
        return receiving.receive_quietly(mail, _settings(app))


def read_kept(app: Flask, mail_ids: tuple[int, ...] | None) -> int:
    """Newsletters kept for mail sources read into articles, in an app context of its own."""
    with app.app_context():
        return receiving.read_kept(mail_ids, _settings(app))


def poll_bounce_mailbox(app: Flask) -> None:
    """The scheduler's job: fetch the bounce mailbox, recorded in the job history."""
    from digest.deliver.inbound.mailbox import poll_mailbox

    url = _settings(app).inbound.bounce_mailbox
    if not url:
        return

    def work() -> str:
        fetched, handled = poll_mailbox(url, lambda mail: receive_quietly(app, mail))
        read = receiving.read_kept(None, _settings(app))  # newsletters for mail sources
        said = f"{counted(fetched, 'returned mail')} fetched, {handled} handled"
        return f"{said}, {counted(read, 'newsletter')} read" if read else said

    with app.app_context(), log_context(job="bounce mailbox"):
        try:
            record_job("bounce mailbox", None, work)
        except Exception:  # a job boundary: recorded in the history, the scheduler goes on
            log.exception("bounce mailbox poll failed")
        finally:
            db.session.remove()
