"""Sources as an admin sees them: a look before adding, health, rename, resume, poll now, remove
(uploaded articles go through ingest.imports).

Operations flush and never commit: the request or command that called them commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update

from digest.errors import InvalidInput, NotFound
from digest.extensions import db
from digest.ingest.http import resolve_target
from digest.ingest.hubs import forget_source, subscriptions_by_source
from digest.ingest.poll import NAME_LIMIT, PollOutcome, SourceRequest, apply_download, download
from digest.ingest.unicode import without_surrogates
from digest.models import (
    Article,
    HubSubscription,
    Newsletter,
    Source,
    SourceArticle,
    SourceKind,
    utcnow,
)
from digest.settings import IngestSettings

SHOWN_TITLES = 5


@dataclass
class SourceLook:
    """What a URL gave when fetched once, before anyone decides to add it."""

    url: str
    kind: str  # "feed" or "page"
    title: str | None
    count: int
    titles: list[str]


def check_url(raw: str) -> str:
    """An http(s) URL with a host, or InvalidInput saying what is wrong with it."""
    url = (raw or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an IPv6 host without its closing bracket, a bad port
        raise InvalidInput(f"malformed address {url!r}: {exc}", field="url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"not a feed or page address: {url!r} (write http:// or https://...)", field="url"
        )
    if len(url) > 2000:
        raise InvalidInput("the address is longer than 2000 characters", field="url")
    return url


def check_address(raw: str, settings: IngestSettings) -> str:
    """A feed or page address every face accepts: an http(s) URL (check_url) whose host
    resolves to public addresses only, unless the settings allow private ones; the URL, or
    InvalidInput, UnsafeURL or FetchError saying what is wrong with it."""
    url = check_url(raw)
    resolve_target(url, settings.allow_private_fetch)
    return url


def look_at(url: str, settings: IngestSettings) -> SourceLook:
    """Fetch a URL once, store nothing, and say what it has; IngestError when it cannot."""
    url = check_address(url, settings)
    got = download(SourceRequest(0, SourceKind.FEED, url, None, None), settings)
    if got.error is not None:
        raise got.error
    titles = [a.title for a in got.articles if a.title.strip()]
    return SourceLook(
        url=url,
        kind="page" if got.is_page else "feed",
        title=got.feed_title or (titles[0] if got.is_page and titles else None),
        count=len(got.articles),
        titles=titles[:SHOWN_TITLES],
    )


def get_source(source_id: int) -> Source:
    source = db.session.get(Source, source_id)
    if source is None:
        raise NotFound("source", source_id)
    return source


def find_source(key: str, newsletter: Newsletter | None = None) -> Source:
    """A source by id or by its location (within one newsletter when given)."""
    if key.isdigit():
        return get_source(int(key))
    query = select(Source).where(Source.location == key)
    if newsletter is not None:
        query = query.where(Source.newsletter_id == newsletter.id)
    found = db.session.scalars(query).all()
    if len(found) != 1:
        raise NotFound("source" if not found else "single source (give --newsletter)", key)
    return found[0]


def rename_source(source: Source, name: str) -> None:
    """Give a source the name admins and readers see; InvalidInput for an empty or long one."""
    spaced = " ".join(without_surrogates(name or "").split())
    clean = "".join(ch for ch in spaced if ch.isprintable()).strip()
    if not clean:
        raise InvalidInput("a source needs a name", field="name")
    if len(clean) > NAME_LIMIT:
        raise InvalidInput(f"a source's name is at most {NAME_LIMIT} characters", field="name")
    source.name = clean
    db.session.flush()


def resume_source(source: Source) -> None:
    """Poll a paused source again, with its failure count started over."""
    source.is_active = True
    source.failure_count = 0
    db.session.flush()


def poll_one(source: Source, settings: IngestSettings) -> PollOutcome:
    """Fetch one source now, paused or not; a failure is recorded on it, never raised."""
    if source.kind in (SourceKind.IMPORT, SourceKind.MAIL):
        raise InvalidInput("this source has no address to fetch: its articles come to us")
    return apply_download(source, download(SourceRequest.of(source), settings), settings)


def remove_source(source: Source) -> int:
    """Remove a source; its articles stay when another source brought them too.

    Returns how many articles went with it (those no other source has).
    """
    others = select(SourceArticle.article_id).where(SourceArticle.source_id != source.id)
    mine = select(SourceArticle.article_id).where(SourceArticle.source_id == source.id)
    kept = db.session.execute(
        select(Article.id, func.min(SourceArticle.source_id))
        .join(SourceArticle, SourceArticle.article_id == Article.id)
        .where(Article.source_id == source.id, SourceArticle.source_id != source.id)
        .group_by(Article.id)
    ).all()
    for article_id, new_source_id in kept:  # handed to another source that brought them
        db.session.execute(
            update(Article).where(Article.id == article_id).values(source_id=new_source_id)
        )
    gone = db.session.scalar(
        select(func.count()).select_from(
            select(Article.id).where(Article.id.in_(mine), Article.id.not_in(others)).subquery()
        )
    )
    db.session.execute(delete(Article).where(Article.id.in_(mine), Article.id.not_in(others)))
    forget_source(source, utcnow())  # its hub, if any, is asked to stop pushing
    db.session.delete(source)
    db.session.flush()
    return gone or 0


@dataclass
class Health:
    """One source's state in words."""

    source: Source
    last_poll_at: datetime | None
    state: str  # "ok", "failing", "paused", "new"
    hub: HubSubscription | None = None  # its WebSub subscription, when its feed has a hub


def health_of(source: Source, hub: HubSubscription | None = None) -> Health:
    polls = [t for t in (source.last_success_at, source.last_error_at) if t is not None]
    if not source.is_active:
        state = "paused"
    elif source.failure_count:
        state = "failing"
    elif source.kind is SourceKind.MAIL:
        return _mail_health(source)
    else:
        state = "ok" if polls else "new"
    return Health(source, max(polls) if polls else None, state, hub)


def _mail_health(source: Source) -> Health:
    """A mail source is "quiet" when no mail came for two weeks (its sign-up may have lapsed)."""
    from digest.ingest.inbox import is_quiet

    received = source.last_success_at
    state = "quiet" if is_quiet(source) else ("ok" if received else "new")
    return Health(source, received, state)


def list_sources(newsletter_id: int | None = None) -> list[Health]:
    query = select(Source).order_by(Source.newsletter_id, Source.name)
    if newsletter_id is not None:
        query = query.where(Source.newsletter_id == newsletter_id)
    found = list(db.session.scalars(query))
    hubs = subscriptions_by_source([s.id for s in found])
    return [health_of(s, hubs.get(s.id)) for s in found]


def quiet_sources() -> list[Source]:
    """Active mail sources that received nothing for two weeks (see inbox.is_quiet)."""
    from digest.ingest.inbox import QUIET_AFTER

    since = utcnow() - QUIET_AFTER
    last = func.coalesce(Source.last_success_at, Source.created_at)
    query = select(Source).where(
        Source.kind == SourceKind.MAIL, Source.is_active.is_(True), last < since
    )
    return list(db.session.scalars(query.order_by(Source.name)))


def paused_sources(newsletter: Newsletter | None = None) -> list[Source]:
    query = select(Source).where(Source.is_active.is_(False)).order_by(Source.name)
    if newsletter is not None:
        query = query.where(Source.newsletter_id == newsletter.id)
    return list(db.session.scalars(query))
