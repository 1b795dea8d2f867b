"""Releasing an edition: compile every variant, freeze the snapshot, create the ledger rows.

Release happens once, in one transaction, and only after every variant of the
message compiled: an edition that cannot render is never frozen, so it can be
fixed and approved again, and it never blocks another edition.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, cast, select, update

from digest.audience import is_eligible, wants_cadence
from digest.deliver import subjects
from digest.deliver.compose import Composer, TopicKey, sender_for, signer_for, topic_key
from digest.deliver.ledger import insert_rows, sign_message_ids
from digest.edition import lifecycle
from digest.edition.snapshot import make_snapshot
from digest.errors import EditionUnsendable, RenderError
from digest.extensions import db
from digest.links import click_token, page_url
from digest.models import Edition, EditionStatus, Subscriber, Subscription, utcnow
from digest.render import parse_snapshot
from digest.settings import LinkSettings, Settings

log = logging.getLogger(__name__)


def release(edition: Edition, settings: Settings) -> Composer:
    """Freeze an approved edition and create every delivery row; the caller commits.

    Raises EditionUnsendable (nothing frozen) when the edition cannot render or has
    no story. Of two concurrent releases one wins; the other finds it released.
    """
    snapshot = make_snapshot(edition, settings.edition)
    composer = _composer(edition, snapshot, settings)
    composer.compile_all(_topic_keys(edition.newsletter_id))
    now = utcnow()
    lifecycle.transition(edition, EditionStatus.SENDING)
    frozen = db.session.execute(
        update(Edition)
        .where(Edition.id == edition.id, Edition.released_at.is_(None))
        .values(released_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not frozen:
        db.session.rollback()
        return prepare(db.session.get(Edition, edition.id), settings)
    edition.released_at, edition.snapshot = now, snapshot
    rows = _create_rows(edition, now, settings)
    fields = {"edition": edition.id, "newsletter": edition.newsletter_id}
    if edition.has_subject_test:
        _start_test(edition, now, fields)
    db.session.flush()
    log.info("released to %d recipients", rows, extra=fields)
    return composer


def _start_test(edition: Edition, now: datetime, fields: dict) -> None:
    """Split the sample between the subject lines and hold the other rows for the winner."""
    lines = len(edition.subject_lines)
    decide_by = now + timedelta(minutes=edition.test_minutes)
    split = subjects.hold_back(
        db.session.connection(), edition.id, lines, edition.test_share, decide_by
    )
    if split.skipped_reason:  # too few readers: everyone gets the edition's own subject
        edition.test_winner, edition.test_decided_at = 0, now
        edition.test_decision = split.skipped_reason
        log.info("%s", split.skipped_reason, extra=fields)
        return
    sample = " / ".join(str(n) for n in split.per_line)
    log.info(
        "subject test: %s readers first, %d wait for the winner",
        sample,
        split.waiting,
        extra=fields,
    )


def _create_rows(edition: Edition, now: datetime, settings: Settings) -> int:
    """A pending row, with its signed Message-ID, for every reader; how many (as signed:
    psycopg gives no rowcount for INSERT ... SELECT)."""
    readers = wants_cadence(edition.cadence, edition.newsletter.offers_weekly)
    db.session.execute(insert_rows(edition.id, edition.newsletter_id, now, readers))
    secret, domain = settings.links.secret_key, settings.delivery.mail_domain
    return sign_message_ids(db.session.connection(), edition.id, secret, domain)


def prepare(edition: Edition, settings: Settings) -> Composer:
    """The composer of an edition released earlier (by this process or another)."""
    return _composer(edition, edition.snapshot, settings)


def retry_deadline(edition: Edition, settings: Settings) -> datetime:
    """After this, a row that keeps being refused with 4xx fails for good."""
    released = edition.released_at or datetime.now(UTC)
    return released + timedelta(seconds=settings.delivery.retry_deadline_seconds)


def preview_composer(edition: Edition, settings: Settings) -> Composer:
    """The composer delivery uses, unsigned: the frozen snapshot, or the one a draft would get."""
    snapshot = edition.snapshot if edition.is_frozen else make_snapshot(edition, settings.edition)
    return _composer(edition, snapshot, settings, is_signed=False)


def _composer(
    edition: Edition, snapshot: dict | None, settings: Settings, is_signed: bool = True
) -> Composer:
    newsletter = edition.newsletter
    lines = edition.subject_lines if is_signed else [edition.subject]
    views = []
    for line, subject in enumerate(lines):
        mailed = _with_subject(snapshot, subject) if line else snapshot
        if is_signed and newsletter.tracks_clicks and mailed:
            mailed = tracked(mailed, edition.id, settings.links, line)
        try:
            views.append(parse_snapshot(mailed or {}))
        except RenderError as exc:
            raise EditionUnsendable(edition.id, str(exc)) from exc
    if not edition.is_frozen and views[0].story_count == 0:
        raise EditionUnsendable(edition.id, "it has no stories to send")
    return Composer(
        edition.id,
        views,
        sender_for(newsletter, settings.delivery),
        settings.links,
        signer_for(newsletter, settings.delivery) if is_signed else None,
        settings.delivery.envelope_from(newsletter.from_email),
    )


def _with_subject(snapshot: dict | None, subject: str) -> dict | None:
    """The snapshot under another subject line of a subject test."""
    if not snapshot:
        return snapshot
    return {**snapshot, "edition": {**(snapshot.get("edition") or {}), "subject": subject}}


def tracked(snapshot: dict, edition_id: int, links: LinkSettings, line: int = 0) -> dict:
    """The snapshot as mail shows it when clicks are counted: each story's link goes through
    /c/<token> (the token names the edition, the story's place and the mail's subject line,
    never a URL). The frozen snapshot, the archive and previews keep the story's own URL."""
    copy = {**snapshot, "sections": []}
    for i, section in enumerate(snapshot.get("sections") or []):
        stories = [  # a story without a page of its own links to the archive, uncounted
            {**story, "url": _click_url(links, edition_id, i, j, line)}
            if story.get("url")
            else story
            for j, story in enumerate(section.get("stories") or [])
        ]
        copy["sections"].append({**section, "stories": stories})
    return copy


def _click_url(links: LinkSettings, edition_id: int, section: int, story: int, line: int) -> str:
    token = click_token(links, edition_id, section, story, line)
    return page_url(links.base_url, "click", token=token)


def _topic_keys(newsletter_id: int) -> set[TopicKey]:
    """The distinct topic sets of the subscriptions that will get a row. The database
    de-duplicates them (as text: JSON has no equality in PostgreSQL), so a million
    subscribers bring a handful of rows into memory, not a million."""
    topics = db.session.scalars(
        select(cast(Subscription.topics, Text))
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.newsletter_id == newsletter_id, is_eligible())
        .distinct()
    )
    return {topic_key(json.loads(t) if t else None) for t in topics}
