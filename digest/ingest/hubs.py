"""WebSub subscriptions: noted when a feed announces a hub, asked for, verified, renewed
before the lease runs out, and given up when the source goes.

A request to a hub is made in three short steps so no transaction is open while the hub is
waited on: prepare_request (marks what we asked, so the hub's verification finds it; the
caller commits), send_request (the network, no database), record_answer. Operations flush;
the job or request that called them commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from digest.extensions import db
from digest.ingest.errors import IngestError
from digest.ingest.http import post_form
from digest.ingest.unicode import without_surrogates
from digest.ingest.websub import HubLink
from digest.models import HubState, HubSubscription, Source
from digest.settings import IngestSettings

LEASE_SECONDS = 10 * 86400  # what we ask for; the hub grants what it likes
LONGEST_LEASE = 366 * 86400  # a longer grant is read as this: we renew within a year anyway
VERIFY_WAIT = timedelta(hours=1)  # a request the hub has not verified by then is made again
DENIED_WAIT = timedelta(days=1)  # a hub that refused us is asked again after this
RETRY_BASE = timedelta(minutes=5)  # after a failed request; doubled each time, up to a day
RETRY_LONGEST = timedelta(days=1)
UNSUBSCRIBE_ATTEMPTS = 5  # then the lease is left to run out
MODES = ("subscribe", "unsubscribe")


@dataclass(frozen=True)
class HubRequest:
    """One form to post to a hub, read from its row before the network is waited on."""

    subscription_id: int
    hub: str
    fields: dict[str, str]


def subscription_of(source: Source) -> HubSubscription | None:
    return db.session.scalars(
        select(HubSubscription).where(HubSubscription.source_id == source.id)
    ).first()


def find_subscription(subscription_id: int) -> HubSubscription | None:
    """The row as it is now; None once gone (a hub's verification may delete it meanwhile)."""
    query = select(HubSubscription).where(HubSubscription.id == subscription_id)
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def subscriptions_by_source(source_ids: list[int]) -> dict[int, HubSubscription]:
    """Each source's hub subscription, for the pages that list sources."""
    if not source_ids:
        return {}
    rows = db.session.scalars(
        select(HubSubscription).where(HubSubscription.source_id.in_(source_ids))
    )
    return {row.source_id: row for row in rows if row.source_id is not None}


def note_hub(source: Source, link: HubLink | None, now: datetime) -> HubSubscription | None:
    """What a poll of a feed found: a new hub or topic is to be subscribed (the old one is
    unsubscribed), a feed that stopped announcing its hub is unsubscribed."""
    current = subscription_of(source)
    if current is not None and link is not None and _is_same(current, link):
        return current
    if current is not None:
        retire(current, now)
    if link is None:
        return None
    subscription = HubSubscription(
        source_id=source.id,
        hub_url=link.hub,
        topic_url=link.topic,
        secret=secrets.token_hex(32),
        state=HubState.PENDING,
        due_at=now,
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription


def _is_same(subscription: HubSubscription, link: HubLink) -> bool:
    return (subscription.hub_url, subscription.topic_url) == (link.hub, link.topic)


def retire(subscription: HubSubscription, now: datetime) -> None:
    """A subscription no longer wanted: the hub is asked to stop pushing, or, when it never
    verified one, the row is forgotten."""
    if subscription.state in (HubState.ACTIVE, HubState.REQUESTED):
        subscription.state = HubState.UNSUBSCRIBING
        subscription.source_id = None
        subscription.asked_mode = None
        subscription.attempts = 0
        subscription.due_at = now
    else:
        db.session.delete(subscription)
    db.session.flush()


def forget_source(source: Source, now: datetime) -> None:
    """Before a source is removed: its hub is asked to stop."""
    subscription = subscription_of(source)
    if subscription is not None:
        retire(subscription, now)


def due_requests(now: datetime) -> list[int]:
    """Subscriptions with a request to make now: new, unverified for too long, near the end of
    their lease, refused a while ago, or to be unsubscribed."""
    query = select(HubSubscription.id).where(HubSubscription.due_at <= now)
    return list(db.session.scalars(query.order_by(HubSubscription.due_at, HubSubscription.id)))


def prepare_request(subscription_id: int, callback: str, now: datetime) -> HubRequest | None:
    """Mark the request as ours (the hub's verification is checked against it) and make it
    due again later, in case the hub never verifies; None when nothing is due any more."""
    subscription = find_subscription(subscription_id)
    if subscription is None or subscription.due_at > now:
        return None
    mode = "unsubscribe" if subscription.state is HubState.UNSUBSCRIBING else "subscribe"
    if subscription.state in (HubState.PENDING, HubState.DENIED):
        subscription.state = HubState.REQUESTED  # before asking: the hub may verify at once
    subscription.asked_mode = mode
    subscription.due_at = now + VERIFY_WAIT
    fields = {"hub.mode": mode, "hub.topic": subscription.topic_url, "hub.callback": callback}
    if mode == "subscribe":
        fields["hub.secret"] = subscription.secret
        fields["hub.lease_seconds"] = str(LEASE_SECONDS)
    db.session.flush()
    return HubRequest(subscription.id, subscription.hub_url, fields)


def send_request(request: HubRequest, settings: IngestSettings) -> str | None:
    """Post the request to the hub (no database here); None when the hub took it, else why not."""
    try:
        post_form(request.hub, request.fields, allow_private=settings.allow_private_fetch)
    except IngestError as exc:
        return str(exc)
    return None


def record_answer(subscription_id: int, error: str | None, now: datetime) -> None:
    """What the hub answered: taken (its verification comes, or came already), or refused or
    unreachable (asked again later, with a growing wait). Only the columns written here
    change: a verification committed meanwhile keeps what it wrote."""
    subscription = find_subscription(subscription_id)
    if subscription is None:  # an unsubscription the hub has verified already
        return
    if error is None:
        subscription.attempts = 0
        db.session.flush()
        return
    if subscription.state is HubState.REQUESTED:
        subscription.state = HubState.PENDING  # a hub that refused will not verify
    subscription.attempts += 1
    _note_error(subscription, error, now)
    subscription.asked_mode = None
    gave_up = subscription.attempts >= UNSUBSCRIBE_ATTEMPTS
    if subscription.state is HubState.UNSUBSCRIBING and gave_up:
        db.session.delete(subscription)  # its lease runs out on its own
    else:
        subscription.due_at = now + retry_wait(subscription.attempts)
    db.session.flush()


def retry_wait(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** min(attempts - 1, 20), RETRY_LONGEST)


def verify_intent(
    subscription_id: int, mode: str, topic: str, lease: str | None, now: datetime
) -> bool:
    """The hub's GET: True (echo the challenge) only for the mode and topic we asked for and
    have not had verified yet; a verified subscription is active until its lease ends."""
    subscription = find_subscription(subscription_id)
    if subscription is None or mode not in MODES:
        return False
    if subscription.asked_mode != mode or subscription.topic_url != topic:
        return False
    if mode == "unsubscribe":
        db.session.delete(subscription)
        db.session.flush()
        return True
    seconds = granted_lease(lease)
    subscription.state = HubState.ACTIVE
    subscription.asked_mode = None
    subscription.attempts = 0
    subscription.lease_seconds = seconds
    subscription.expires_at = now + timedelta(seconds=seconds)
    subscription.due_at = renewal_at(now, seconds)
    subscription.last_error = None
    db.session.flush()
    return True


def record_denial(subscription_id: int, topic: str, reason: str | None, now: datetime) -> bool:
    """The hub's GET with hub.mode=denied: the subscription is refused (or ended) by the hub,
    and asked for again later; False when it names nothing of ours."""
    subscription = find_subscription(subscription_id)
    if subscription is None or subscription.topic_url != topic or subscription.source_id is None:
        return False
    subscription.state = HubState.DENIED
    subscription.asked_mode = None
    subscription.expires_at = None
    subscription.due_at = now + DENIED_WAIT
    _note_error(subscription, f"the hub refused: {reason or 'no reason given'}", now)
    db.session.flush()
    return True


def granted_lease(text: str | None) -> int:
    """The lease the hub granted, in seconds; ours when it names none or an unusable one."""
    value = (text or "").strip()
    if not (value.isascii() and value.isdigit()) or int(value) == 0:
        return LEASE_SECONDS
    return min(int(value), LONGEST_LEASE)


def renewal_at(verified_at: datetime, lease_seconds: int) -> datetime:
    """When to ask again: a fifth of the lease before it ends, and never more than a day before."""
    lease = timedelta(seconds=lease_seconds)
    return verified_at + lease - min(lease / 5, timedelta(days=1))


def _note_error(subscription: HubSubscription, error: str, now: datetime) -> None:
    subscription.last_error = without_surrogates(error)[:2000]
    subscription.last_error_at = now
