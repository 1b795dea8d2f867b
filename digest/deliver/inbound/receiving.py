"""One returned mail, one short transaction of its own (as the ledger's marks are): handled,
committed, then answered through the outbox if it earned an answer. Both receivers use it,
the SMTP server (`digest inbound`) and the mailbox poll; call it inside an app context.

Mail to a mail source's signed address (digest.ingest.inaddress) is kept for that source and
read into articles afterwards (`read_kept`), never while the sender waits for our reply.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from digest.deliver.inbound.act import InboundMail, Outcome, handle_mail
from digest.deliver.outbox import send_mail
from digest.deliver.returnpath import base_of, read_address
from digest.extensions import db
from digest.ingest.inaddress import looks_like_source_address, read_source_address
from digest.models import Newsletter, Source
from digest.settings import Settings

log = logging.getLogger(__name__)


def known_bases(settings: Settings) -> frozenset[str]:
    """Our bounce and unsubscribe mailboxes: the bounce address, or each newsletter's sender."""
    if settings.delivery.bounce_address:
        return frozenset({settings.delivery.bounce_address.lower()})
    return frozenset(a.lower() for a in db.session.scalars(select(Newsletter.from_email)))


def accepts(address: str, settings: Settings) -> bool:
    """RCPT: one of our mailboxes, bare or with a valid signed token, or the signed address of
    an active mail source; nothing else."""
    try:
        if looks_like_source_address(address):
            return _mail_source_of(address, settings) is not None
        if base_of(address) not in known_bases(settings):
            return False
        if "+" not in address.rpartition("@")[0]:
            return True
        return read_address(address, settings.links.keys) is not None
    finally:
        db.session.rollback()


def receive(mail: InboundMail, settings: Settings) -> Outcome:
    """Handle one mail and commit, then send the answer it earned, if any; an error rolls
    back and is raised (the mail is kept)."""
    try:
        outcome = _keep_for_sources(mail, settings) or handle_mail(
            mail, settings, known_bases(settings)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log_outcome(outcome, mail.channel)
    if outcome.mail_id is not None:
        _send_answer(outcome.mail_id, settings)
    return outcome


def _mail_source_of(address: str, settings: Settings) -> Source | None:
    from digest.ingest.inbox import mail_source

    source_id = read_source_address(address, settings)
    return None if source_id is None else mail_source(source_id)


def _keep_for_sources(mail: InboundMail, settings: Settings) -> Outcome | None:
    """A newsletter for mail sources: kept for each (read later, off the SMTP reply), or None
    when no recipient is a mail source's address."""
    from digest.ingest.inbox import keep_mail

    sources = [_mail_source_of(r, settings) for r in mail.recipients]
    kept = [keep_mail(source, mail.raw) for source in sources if source is not None]
    if not kept:
        return None
    named = ", ".join(str(k.source_id) for k in kept)
    ids = tuple(k.id for k in kept)
    return Outcome("newsletter", f"kept for source {named}", source_mail_ids=ids)


def read_kept(mail_ids: tuple[int, ...] | None, settings: Settings) -> int:
    """Read kept newsletters into articles (these, or all not read yet); how many were read."""
    from digest.ingest.inbox import read_kept_mails

    return sum(1 for _ in read_kept_mails(settings.ingest, mail_ids))


def log_outcome(outcome: Outcome, channel: str) -> None:
    """One line per returned mail: what it was, what was done, and the delivery it named."""
    fields = {"edition": outcome.edition_id, "delivery": outcome.delivery_id}
    log.info("%s by %s: %s", outcome.kind, channel, outcome.action, extra=fields)


def receive_quietly(mail: InboundMail, settings: Settings) -> bool:
    """`receive` for a mailbox poll: False (the mail stays in the mailbox) when it failed."""
    try:
        receive(mail, settings)
    except Exception:  # one bad mail must not stop the poll; it stays in the mailbox
        log.exception("mailbox message could not be handled")
        return False
    return True


def _send_answer(mail_id: int, settings: Settings) -> None:
    """After the commit; a failure leaves the mail in the outbox for the scheduler."""
    try:
        send_mail(mail_id, settings.delivery.smtp)
    except Exception:  # the mail was handled and committed: its answer is the outbox's job now
        db.session.rollback()
        log.exception("answer to a returned mail not sent now", extra={"mail": mail_id})
