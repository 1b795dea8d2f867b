"""Content a WebSub hub pushes: checked against our secret, then read and stored exactly as
a poll of the feed would read and store it (feeds.parse_feed, poll.apply_download).

A delivery that is unsigned, badly signed or unreadable is counted on the subscription and
never stored; it breaks nothing else. The caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from digest.extensions import db
from digest.ingest.errors import FeedError
from digest.ingest.feeds import parse_feed
from digest.ingest.hubs import find_subscription
from digest.ingest.poll import Download, about, apply_download
from digest.ingest.unicode import without_surrogates
from digest.ingest.websub import is_signed_by
from digest.models import HubState, HubSubscription, Source
from digest.settings import IngestSettings

MAX_PUSH_BYTES = 5_000_000  # the same limit as a polled feed (digest/ingest/http.py)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushOutcome:
    """What became of one delivery: stored (with how many were new), refused, or unknown."""

    is_known: bool  # the callback names a subscription of a source we still have
    is_stored: bool = False
    added: int = 0
    reason: str | None = None  # why it was refused


def receive_push(
    subscription_id: int,
    body: bytes,
    signature: str | None,
    settings: IngestSettings,
    now: datetime,
) -> PushOutcome:
    """Check, read and store one delivery for the subscription the callback names."""
    subscription = find_subscription(subscription_id)
    source = _source_of(subscription)
    if subscription is None or source is None:
        return PushOutcome(is_known=False)
    if not is_signed_by(subscription.secret, body, signature):
        why = "unsigned" if not signature else "badly signed"
        return _refuse(subscription, f"a {why} delivery was ignored", now)
    try:
        feed = parse_feed(body, subscription.topic_url)
    except FeedError as exc:
        return _refuse(subscription, f"a delivery was ignored: {exc}", now)
    got = Download(feed.entries, feed_title=feed.title, rejected=feed.rejected, is_push=True)
    outcome = apply_download(source, got, settings)
    subscription.last_push_at = now
    subscription.push_count += 1
    db.session.flush()
    added = outcome.result.added if outcome.result else 0
    log.info("pushed by the hub: %d new", added, extra=about(source))
    return PushOutcome(is_known=True, is_stored=outcome.error is None, added=added)


def _source_of(subscription: HubSubscription | None) -> Source | None:
    if subscription is None or subscription.source_id is None:
        return None
    if subscription.state is not HubState.ACTIVE:
        return None  # a hub pushing what it never verified with us, or was asked to stop
    return db.session.get(Source, subscription.source_id)


def _refuse(subscription: HubSubscription, reason: str, now: datetime) -> PushOutcome:
    subscription.refused_count += 1
    subscription.last_error = without_surrogates(reason)[:2000]
    subscription.last_error_at = now
    db.session.flush()
    log.warning("%s", reason, extra={"source": subscription.source_id})
    return PushOutcome(is_known=True, reason=reason)
