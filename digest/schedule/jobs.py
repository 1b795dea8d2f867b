"""Scheduled jobs: thin wrappers over operations and steps, each recorded in the job history.

A job boundary is the one place a catch-all belongs: the failure is recorded
and the scheduler moves on. Each edition is handled on its own, so one that
cannot be sent never holds up another.
"""

from __future__ import annotations

import email.policy
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from flask import Flask
from sqlalchemy import or_, select

from digest.context import current_runner, current_settings, external_url
from digest.deliver import clicks, outbox
from digest.deliver.ledger import next_due_at
from digest.deliver.notices import Notice
from digest.deliver.progress import counts_of
from digest.deliver.rates import click_rates
from digest.deliver.send import deliver_edition
from digest.edition import lifecycle
from digest.edition.slots import SlotOutcome
from digest.errors import InvalidInput
from digest.extensions import db
from digest.ingest import inbox
from digest.ingest.poll import poll_newsletter_sources
from digest.jobs import claim_requests, record_job
from digest.logs import log_context
from digest.models import Edition, EditionStatus, Newsletter, utcnow
from digest.schedule.slots import MISFIRE_GRACE, due_slots, needs_work, run_slots
from digest.schedule.triggers import latest_fire_time, make_trigger, slot_for
from digest.words import counted

log = logging.getLogger(__name__)
_newsletter_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()
__all__ = [
    "MISFIRE_GRACE",
    "deliver_due",
    "plan_editions",
    "poll_all",
    "run_newsletter",
    "run_weekly",
]


def run_job(
    app: Flask,
    name: str,
    newsletter_id: int | None,
    work: Callable[[], str | None],
    run_id: int | None = None,
) -> None:
    """Run one recorded job in its own app context; a failure is logged and recorded, not raised.
    Every line logged while it runs names the job (and its newsletter)."""
    with app.app_context(), log_context(job=name, newsletter=newsletter_id):
        try:
            record_job(name, newsletter_id, work, run_id)
        except Exception:  # a job boundary: recorded in the history, the scheduler goes on
            log.exception("job failed")
        finally:
            db.session.remove()


def run_newsletter(app: Flask, newsletter_id: int) -> None:
    """At a slot (cron) or in its review window (the minute tick): build, approve, send."""
    run_job(app, "edition", newsletter_id, lambda: build_and_send(newsletter_id))


def run_weekly(app: Flask, newsletter_id: int) -> None:
    """The weekly edition for readers who chose one email a week, on the weekly slot."""
    run_job(app, "weekly edition", newsletter_id, lambda: build_and_send(newsletter_id, "weekly"))


def build_and_send(newsletter_id: int, cadence: str = "every", now: datetime | None = None) -> str:
    """What the newsletter's slots need now (digest.edition.slots), then send what is due.

    The weekly edition (for weekly readers) is built, approved and sent at its slot.
    """
    now = now or utcnow()
    return _run_and_send(newsletter_id, lambda n: _plan(n, cadence, now))


def run_now(newsletter_id: int) -> str:
    """What "run now" does: a slot of its own, due this second, under the slot's rules: an
    auto-send newsletter builds and sends, a review-first one builds and asks for review."""
    now = utcnow().replace(microsecond=0)
    return _run_and_send(
        newsletter_id, lambda n: run_slots(n, [(now, True)], *HOOKS, now, rates=click_rates)
    )


def _run_and_send(newsletter_id: int, plan: Callable[[Newsletter], list[SlotOutcome]]) -> str:
    """Plan under the newsletter's lock, commit once, then mail the editors and send."""
    with _lock_for(newsletter_id):  # the slot's cron job and the minute tick may meet
        newsletter = db.session.get(Newsletter, newsletter_id)
        outcomes = plan(newsletter) if newsletter else [SlotOutcome("skipped: deleted")]
        reviews = _ask_for_review([m for outcome in outcomes for m in outcome.review_requests])
        db.session.commit()
    for mail_id in reviews:
        outbox.send_mail(mail_id, current_settings().delivery.smtp)
    summary = "; ".join(outcome.summary for outcome in outcomes)
    to_send = next((o.to_send for o in outcomes if o.to_send is not None), None)
    if to_send is None:
        return summary
    return f"{summary}; {describe_send(to_send, _send(to_send))}"


def _plan(newsletter: Newsletter, cadence: str, now: datetime) -> list[SlotOutcome]:
    if cadence == "every":
        found = due_slots(newsletter, now)
    elif newsletter.is_paused or not newsletter.offers_weekly or not newsletter.weekly_cron:
        return [SlotOutcome("skipped: paused or no weekly edition on offer")]
    else:
        found = _weekly_slot(newsletter, now)
    if not found:
        return [SlotOutcome("skipped: no slot is due")]
    return run_slots(newsletter, found, *HOOKS, now, cadence, rates=click_rates)


def _weekly_slot(newsletter: Newsletter, now: datetime) -> list[tuple[datetime, bool]]:
    trigger = make_trigger(newsletter.weekly_cron, newsletter.timezone)
    fire = latest_fire_time(trigger, now, MISFIRE_GRACE)
    return [(slot_for(fire, newsletter.timezone), True)] if fire else []


def _poll(newsletter: Newsletter) -> int:
    """Poll the newsletter's sources here (they commit one by one), and read the newsletters
    mailed in and not read yet; how many sources were polled."""
    from digest.ingest.inbox import read_kept_mails

    for _ in read_kept_mails(current_settings().ingest):
        pass
    return len(list(poll_newsletter_sources(current_settings().ingest, newsletter)))


def _review_link(edition_id: int) -> str:
    return external_url("editor.edition", edition_id=edition_id)


HOOKS = (_poll, _review_link)


def _ask_for_review(messages: list[EmailMessage]) -> list[int]:
    """Write a review request to each editor into the outbox, beside the slot's changes."""
    delivery = current_settings().delivery
    mail_ids = []
    for message in messages:
        sender = delivery.envelope_from(message["From"].addresses[0].addr_spec)
        notice = Notice(sender, message["To"], message.as_bytes(policy=email.policy.SMTP))
        mail_ids.append(outbox.add_mail(notice, "review request").id)
    return mail_ids


def send_outbox(app: Flask) -> None:
    """Every few seconds: service mail that its request or job did not send (a crash, a
    refusal for now). A quiet tick only reads: no history, and no write that would end the
    read snapshot of a job running beside it on SQLite (a poll holds one across its fetch)."""
    with app.app_context():
        is_due = outbox.has_due()
        db.session.remove()
    if is_due:
        run_job(app, "service mail", None, _send_outbox)


def close_click_windows(app: Flask) -> None:
    """Every hour: editions whose statistics window closed keep their counts per story and
    lose their clicks and the salt that could tell clickers apart. Like the outbox tick, a
    tick with nothing to close only reads."""
    with app.app_context():
        is_due = clicks.windows_to_close()
        db.session.remove()
    if is_due:
        run_job(app, "click statistics", None, _close_click_windows)


def _close_click_windows() -> str:
    return f"{counted(clicks.close_windows(), 'edition')}: clicks folded into counts"


def drop_old_mail(app: Flask) -> None:
    """Every hour: newsletter mails read over a month ago lose their originals. A tick with
    nothing to drop only reads."""
    with app.app_context():
        is_due = inbox.has_old_originals(utcnow())
        db.session.remove()
    if is_due:
        run_job(app, "mail originals", None, _drop_old_mail)


def _drop_old_mail() -> str:
    dropped = inbox.drop_old_originals(utcnow())
    return f"{counted(dropped, 'newsletter mail')} read over a month ago: originals dropped"


def _send_outbox() -> str | None:
    sent, left = outbox.send_due(current_settings().delivery.smtp)
    return f"{sent} sent, {left} to retry or failed" if sent or left else None


def _lock_for(newsletter_id: int) -> threading.Lock:
    with _locks_guard:
        return _newsletter_locks.setdefault(newsletter_id, threading.Lock())


def plan_editions(app: Flask) -> None:
    """Every minute: newsletters whose slot needs building, refreshing or cancelling get a job."""
    with app.app_context():
        now = utcnow()
        letters = db.session.scalars(select(Newsletter).where(Newsletter.is_paused.is_(False)))
        due = [n.id for n in letters if needs_work(n, now)]
        db.session.remove()
    for newsletter_id in due:
        run_newsletter(app, newsletter_id)


def run_requested(app: Flask) -> None:
    """Run what people asked to run now (the admin's "Run now" buttons), each on its own."""
    with app.app_context():
        claimed = [(r.id, r.job, r.newsletter_id) for r in claim_requests()]
        db.session.remove()
    for run_id, name, newsletter_id in claimed:
        work = REQUESTABLE.get(name)
        if work is None:
            work = _unknown(name)
        run_job(app, name, newsletter_id, lambda w=work, n=newsletter_id: w(n), run_id)


def _unknown(name: str) -> Callable[[int | None], str]:
    def refuse(_: int | None) -> str:
        raise InvalidInput(f"no job called {name!r} can be run now")

    return refuse


def deliver_due(app: Flask) -> None:
    """Release approved editions and go on with half-sent ones, each edition on its own.

    Runs every minute; a minute with nothing to do leaves no row in the history.
    """
    with app.app_context():
        due = editions_with_work()
        db.session.remove()
    for edition_id, newsletter_id in due:
        run_job(app, "send", newsletter_id, lambda e=edition_id: _send_now(e))


def editions_with_work(now: datetime | None = None) -> list[tuple[int, int]]:
    """Approved editions whose time has come, and sending ones with a row to send now or none
    left (to finish). An edition approved before its slot waits for it (Edition.send_at)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Edition.id, Edition.newsletter_id, Edition.status, Edition.other_subjects)
        .add_columns(Edition.test_winner)
        .where(Edition.status.in_([EditionStatus.APPROVED, EditionStatus.SENDING]))
        .where(or_(Edition.send_at.is_(None), Edition.send_at <= now))
        .order_by(Edition.id)
    ).all()
    with db.engine.connect() as connection:
        return [
            (edition_id, newsletter_id)
            for edition_id, newsletter_id, status, other_subjects, winner in rows
            if status is EditionStatus.APPROVED
            or (other_subjects and winner is None)  # a subject test may be decided now
            or _has_work(connection, edition_id)
        ]


def _has_work(connection, edition_id: int) -> bool:
    """A row can be sent now, or none is pending and the edition only needs finishing."""
    due = next_due_at(connection, edition_id)
    return due is None or due <= utcnow()


def _send(edition_id: int) -> dict[str, int]:
    """Send what is due now (queue workers: queue tasks for the rows no worker holds, a lost
    task or an expired lease); rows waiting for a retry are left for a later minute."""
    return deliver_edition(edition_id, current_settings(), current_runner(), wait=False)


def _send_now(edition_id: int) -> str | None:
    """Send what is due now; rows waiting for a retry are left for a later minute.

    A minute that changed nothing (every row still waits for its retry) leaves no row.
    """
    before = counts_of(edition_id)
    status = lifecycle.get_edition(edition_id).status
    counts = _send(edition_id)
    db.session.expire_all()
    if counts == before and lifecycle.get_edition(edition_id).status is status:
        return None
    return describe_send(edition_id, counts)


def describe_send(edition_id: int, counts: dict[str, int]) -> str:
    edition = lifecycle.get_edition(edition_id)
    shown = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    status = edition.status.value
    if edition.pause_reason:
        status += f" ({edition.pause_reason})"
    return f"edition {edition_id} {status}: {shown or 'no recipients'}"


def poll_every_source(_: int | None = None) -> str:
    """Every active source, here or one task per source on the workers."""
    return current_runner().poll(current_settings().ingest)


def poll_all(app: Flask) -> None:
    run_job(app, "poll", None, poll_every_source)


def self_test(newsletter_id: int | None) -> str:
    """POST to a probe's one-click link as a mailbox provider would, and check it worked;
    the probe is committed first (this very site answers the POST) and removed after."""
    from digest.deliver.health import selftest

    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None:
        return "skipped: the newsletter was deleted"
    probe = selftest.make_probe(newsletter, current_settings().links)
    db.session.commit()
    try:
        status, seconds = selftest.post_one_click(probe.url)
        db.session.rollback()  # see what the POST committed
        return selftest.outcome(probe, status, seconds)
    finally:
        db.session.rollback()
        selftest.remove_probe(probe)
        db.session.commit()


# The jobs a person may ask to run now, by their name in the history.
REQUESTABLE: dict[str, Callable[[int | None], str]] = {
    "edition": run_now,
    "poll": poll_every_source,
    "unsubscribe self-test": self_test,
}
