"""The transactional outbox: service mail (confirmation, welcome, invite, review request, test
send) is written in the same transaction as the change that causes it, and sent after the
commit. A crash between the commit and the SMTP conversation loses nothing: the scheduler
sends whatever is due every few seconds, and a web request may send its own mail at once.

A row is claimed (a lease) before it is sent, in its own short transaction, so two senders
never send it together; it is marked sent right after the server's 250. As with the
delivery ledger, only a crash between the 250 and the mark can send it twice.
A 4xx or a lost connection retries with a doubling delay; a 5xx, or a day of retries, fails
the row with its reason.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from digest.deliver.notices import Notice, send_notice
from digest.deliver.transport import DeliveryFailure
from digest.extensions import db
from digest.models import OutboxMail, utcnow
from digest.settings import SmtpSettings

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # longer than one SMTP conversation with its timeouts
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)
BATCH = 50


def add_mail(notice: Notice, kind: str) -> OutboxMail:
    """Write the mail beside the caller's change; it goes once the caller commits (flushes)."""
    mail = OutboxMail(
        kind=kind,
        envelope_from=notice.envelope_from,
        recipient=notice.recipient,
        data=notice.data,
    )
    db.session.add(mail)
    db.session.flush()
    return mail


def send_due(smtp: SmtpSettings, now: datetime | None = None) -> tuple[int, int]:
    """Send every due mail nobody holds; (sent, not sent). Commits row by row."""
    now = now or utcnow()
    due = select(OutboxMail.id).where(*_due(now)).order_by(OutboxMail.id)
    ids = db.session.scalars(due.limit(BATCH))
    outcomes = [send_mail(mail_id, smtp, now) for mail_id in ids.all()]
    return sum(outcomes), len(outcomes) - sum(outcomes)


def has_due(now: datetime | None = None) -> bool:
    """Whether any mail waits to be sent (one indexed read, no write)."""
    due = select(OutboxMail.id).where(*_due(now or utcnow())).limit(1)
    return db.session.scalar(due) is not None


def send_mail(mail_id: int, smtp: SmtpSettings, now: datetime | None = None) -> bool:
    """Claim one mail and send it (False: not sent now: held elsewhere, done, or refused)."""
    if not _claim(mail_id, now or utcnow()):
        return False
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:  # deleted since the claim (its newsletter or reader erased)
        db.session.rollback()
        return False
    notice = Notice(mail.envelope_from, mail.recipient, mail.data)
    said = f"{mail.kind} to {mail.recipient}"  # for the log
    db.session.commit()  # no SMTP conversation inside a transaction
    try:
        send_notice(notice, smtp)
    except DeliveryFailure as exc:
        _failed(mail_id, exc, said)
        return False
    _mark(mail_id, sent_at=utcnow(), claimed_until=None, last_error=None)
    log.info("%s sent", said, extra={"mail": mail_id})
    return True


def _due(now: datetime) -> tuple:
    """Not sent, not given up, its time come, and nobody's lease on it."""
    return (
        OutboxMail.sent_at.is_(None),
        OutboxMail.failed_at.is_(None),
        OutboxMail.next_attempt_at <= now,
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now),
    )


def _claim(mail_id: int, now: datetime) -> bool:
    """Take the lease on a due row; exactly one of any number of senders wins it."""
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, *_due(now))
        .values(claimed_until=now + LEASE, attempts=OutboxMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _failed(mail_id: int, error: DeliveryFailure, said: str) -> None:
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    now = utcnow()
    delay = min(FIRST_RETRY * 2 ** (mail.attempts - 1), LAST_RETRY)
    gives_up = error.is_permanent or now + delay - mail.created_at > GIVE_UP_AFTER
    fields = {"mail": mail_id}
    db.session.rollback()
    if gives_up:
        _mark(mail_id, failed_at=now, claimed_until=None, last_error=str(error))
        log.error("%s failed for good: %s", said, error, extra=fields)
    else:
        _mark(mail_id, next_attempt_at=now + delay, claimed_until=None, last_error=str(error))
        log.warning(
            "%s not sent, next try in %d s: %s", said, delay.total_seconds(), error, extra=fields
        )


def _mark(mail_id: int, **values) -> None:
    """One short transaction of its own."""
    db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(**values))
    db.session.commit()
