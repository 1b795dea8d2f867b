"""Mail sources: newsletters mailed in, kept as they arrive and read into articles later.

Receiving only keeps the mail (`keep_mail`: a short write, so the SMTP reply never waits on
the network). Reading (`read_kept_mails`) happens after: the mail is read (digest.ingest.mail,
pure), its tracking redirects are followed through the feed fetcher (its deadline and its
address checks), teaser items get their page fetched as a feed's teasers do, and what it
gives is stored as feed articles are (same cleaning, same story, near-duplicates). What is
not an article, a sign-up or an empty mail, is kept with its links or its reason for the
admin's page.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from digest.errors import NotFound
from digest.extensions import db
from digest.ingest.errors import IngestError
from digest.ingest.http import final_url
from digest.ingest.mail import (
    ARTICLES,
    SIGNUP,
    NewsletterMail,
    mail_fingerprint,
    read_newsletter_mail,
)
from digest.ingest.mailchrome import is_tracking_redirect, unwrap_known
from digest.ingest.poll import NAME_LIMIT, complete_teasers
from digest.ingest.store import store_articles
from digest.ingest.unicode import without_surrogates
from digest.models import MailStatus, Newsletter, Source, SourceKind, SourceMail, utcnow
from digest.settings import IngestSettings

READ_LEASE = timedelta(minutes=10)  # a pending mail claimed longer ago is read again
QUIET_AFTER = timedelta(days=14)  # a mail source that received nothing this long is flagged
SHOWN_MAILS = 50
# A read mail's original stays this long (to see why a mail gave nothing), then only what it
# gave, its fingerprint and its row stay.
ORIGINAL_KEPT = timedelta(days=30)
log = logging.getLogger(__name__)


def add_mail_source(newsletter: Newsletter, name: str | None = None) -> Source:
    """A new mail source; until named, it takes the name of the first newsletter it gets."""
    location = f"mail:{secrets.token_hex(8)}"
    clean = " ".join((name or "").split())[:NAME_LIMIT]
    source = Source(
        newsletter=newsletter, kind=SourceKind.MAIL, location=location, name=clean or location
    )
    db.session.add(source)
    db.session.flush()
    return source


def mail_source(source_id: int) -> Source | None:
    """The active mail source a signed address named, or None (removed, paused, not mail)."""
    source = db.session.get(Source, source_id)
    if source is None or source.kind is not SourceKind.MAIL or not source.is_active:
        return None
    return source


def keep_mail(source: Source, raw: bytes) -> SourceMail:
    """Keep one received mail for reading later (once: a resent copy is the same mail)."""
    fingerprint = mail_fingerprint(raw)
    kept = db.session.scalars(
        select(SourceMail).where(
            SourceMail.source_id == source.id, SourceMail.fingerprint == fingerprint
        )
    ).first()
    if kept is not None:
        return kept
    mail = SourceMail(source_id=source.id, raw=raw, fingerprint=fingerprint, received_at=utcnow())
    source.last_success_at = mail.received_at  # a mail source is well while mail arrives
    db.session.add(mail)
    db.session.flush()
    return mail


def read_kept_mails(
    settings: IngestSettings, mail_ids: Iterable[int] | None = None
) -> Iterator[SourceMail]:
    """Read the kept mails (these, or every one not read yet) into articles, committing after
    each; no transaction stays open while a redirect or a page is fetched."""
    query = select(SourceMail.id).where(SourceMail.status == MailStatus.PENDING)
    if mail_ids is not None:
        query = query.where(SourceMail.id.in_(list(mail_ids)))
    for mail_id in list(db.session.scalars(query.order_by(SourceMail.id))):
        if _claim(mail_id):
            yield _read_one(mail_id, settings)


def _claim(mail_id: int) -> bool:
    """Take a kept mail to read (committed), unless another process is reading it now: the
    server's reader and a `digest poll` never read one mail twice. A claim that a crash left
    behind lapses after READ_LEASE."""
    now = utcnow()
    claimed = db.session.execute(
        update(SourceMail)
        .where(
            SourceMail.id == mail_id,
            SourceMail.status == MailStatus.PENDING,
            or_(SourceMail.handled_at.is_(None), SourceMail.handled_at < now - READ_LEASE),
        )
        .values(handled_at=now)
    )
    db.session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def _read_one(mail_id: int, settings: IngestSettings) -> SourceMail:
    raw = db.session.get_one(SourceMail, mail_id).raw
    db.session.rollback()
    try:
        reading = read_newsletter_mail(raw)
        unwrapped = follow_redirects(reading, settings.allow_private_fetch)
        if reading.kind == ARTICLES:
            complete_teasers(reading.articles, settings.allow_private_fetch)
        mail = db.session.get_one(SourceMail, mail_id)
        _apply_reading(mail, reading, unwrapped)
    except Exception as exc:  # one mail's boundary: it is marked failed and the others go on
        db.session.rollback()
        log.error("mail %s could not be read", mail_id, exc_info=exc)
        mail = db.session.get_one(SourceMail, mail_id)
        mail.status, mail.reason = MailStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        mail.handled_at = utcnow()
    db.session.commit()
    return mail


def follow_redirects(reading: NewsletterMail, allow_private: bool) -> str | None:
    """Each link through a tracking redirect replaced by where it lands; a note of the links
    that could not be followed (they keep the redirect, which still takes a reader there)."""
    failed = []
    for article in reading.articles:
        if article.url:
            article.url, error = landing_of(article.url, allow_private)
            failed += [error] if error else []
    reading.links = [(text, landing_of(url, allow_private)[0]) for text, url in reading.links]
    return f"{len(failed)} link(s) not unwrapped: {failed[0]}" if failed else None


def landing_of(url: str, allow_private: bool) -> tuple[str, str | None]:
    """(where a link lands, None), or (the link as it was, why it could not be followed)."""
    url = unwrap_known(url)
    if not is_tracking_redirect(url):
        return url, None
    try:
        return final_url(url, allow_private=allow_private), None
    except IngestError as exc:
        return url, str(exc)


def _apply_reading(mail: SourceMail, reading: NewsletterMail, note: str | None) -> None:
    source = mail.source
    mail.sender = without_surrogates(reading.sender)[:300]
    mail.subject = without_surrogates(reading.subject)[:500]
    mail.handled_at = utcnow()
    if reading.sender and source.name == source.location:
        source.name = reading.sender[:NAME_LIMIT]
    if reading.kind == SIGNUP:
        mail.status, mail.links = MailStatus.SIGNUP, [list(link) for link in reading.links]
        return
    stored = store_articles(source, reading.articles) if reading.articles else None
    mail.article_count = (stored.added + stored.updated + stored.unchanged) if stored else 0
    if mail.article_count:
        mail.status, mail.reason = MailStatus.ARTICLES, note
        return
    rejected = stored.rejected[0].reason if stored and stored.rejected else None
    mail.status = MailStatus.EMPTY
    mail.reason = (reading.reason or rejected or "it gave no article")[:2000]


def _old_originals(now: datetime):
    return (
        SourceMail.status != MailStatus.PENDING,
        SourceMail.handled_at < now - ORIGINAL_KEPT,
        func.length(SourceMail.raw) > 0,
    )


def has_old_originals(now: datetime) -> bool:
    """Whether a mail read over ORIGINAL_KEPT ago still holds its original (a read only)."""
    found = select(SourceMail.id).where(*_old_originals(now)).limit(1)
    return db.session.scalar(found) is not None


def drop_old_originals(now: datetime) -> int:
    """Empty the originals of the mails read over ORIGINAL_KEPT ago; how many. A mail's row,
    fingerprint, status and articles stay, so a copy resent later is still the same mail."""
    dropped = db.session.execute(update(SourceMail).where(*_old_originals(now)).values(raw=b""))
    return dropped.rowcount  # type: ignore[attr-defined]


def mails_of(source: Source) -> list[SourceMail]:
    """A mail source's latest mails, newest first, for its page."""
    if source.kind is not SourceKind.MAIL:
        raise NotFound("mail source", source.id)
    return list(
        db.session.scalars(
            select(SourceMail)
            .where(SourceMail.source_id == source.id)
            .order_by(SourceMail.received_at.desc(), SourceMail.id.desc())
            .limit(SHOWN_MAILS)
        )
    )


def is_quiet(source: Source) -> bool:
    """A mail source that received nothing for two weeks: its subscription may have lapsed."""
    last = source.last_success_at or source.created_at
    return source.kind is SourceKind.MAIL and last is not None and utcnow() - last > QUIET_AFTER
