"""The one-click self-test: a probe subscription, a POST to its one-click URL as a mailbox
provider sends it (RFC 8058), and a look at whether the subscription ended.

The probe is built the same way as an edition's List-Unsubscribe URL (same signer, same
DIGEST_BASE_URL), is never eligible for mail (it stays pending until it is unsubscribed)
and is removed afterwards.
"""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from digest.errors import DigestError
from digest.extensions import db
from digest.links import subscriber_url
from digest.models import (
    Newsletter,
    Subscriber,
    Subscription,
    SubscriptionStatus,
)
from digest.settings import LinkSettings

JOB = "unsubscribe self-test"  # its name in the job history; the scheduler runs it on request
PROBE_DOMAIN = "selftest.invalid"  # RFC 2606: never a real mailbox
BODY = b"List-Unsubscribe=One-Click"


class SelfTestFailed(DigestError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"one-click unsubscribe self-test failed: {reason} ({url})")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class Probe:
    subscription_id: int
    subscriber_id: int
    url: str


def make_probe(newsletter: Newsletter, links: LinkSettings) -> Probe:
    """A pending subscription of a throw-away address, and its one-click URL (flushes)."""
    subscriber = Subscriber(email=f"probe-{secrets.token_hex(6)}@{PROBE_DOMAIN}", name="Self-test")
    subscription = Subscription(
        newsletter=newsletter, subscriber=subscriber, status=SubscriptionStatus.PENDING
    )
    db.session.add_all([subscriber, subscription])
    db.session.flush()
    url = subscriber_url(links, "unsubscribe", subscription.id)
    return Probe(subscription.id, subscriber.id, url)


def post_one_click(url: str, timeout: float = 10.0) -> tuple[int, float]:
    """POST as a mailbox provider does; (HTTP status, seconds taken)."""
    request = urllib.request.Request(
        url,
        data=BODY,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        raise SelfTestFailed(url, f"no answer: {getattr(exc, 'reason', exc)}") from exc
    return status, time.monotonic() - started


def outcome(probe: Probe, status: int, seconds: float) -> str:
    """One line for the job history; raises SelfTestFailed when the link did not work."""
    subscription = db.session.get(Subscription, probe.subscription_id)
    if status != 200:
        raise SelfTestFailed(probe.url, f"HTTP {status}")
    if subscription is None or subscription.status is not SubscriptionStatus.UNSUBSCRIBED:
        raise SelfTestFailed(probe.url, "HTTP 200 but the subscription is still active")
    shown = probe.url.rsplit("/", 1)[0] + "/…"  # the token is long and says nothing
    return f"POST {shown} answered 200 in {seconds * 1000:.0f} ms; unsubscribed at once"


def remove_probe(probe: Probe) -> None:
    subscriber = db.session.get(Subscriber, probe.subscriber_id)
    if subscriber is not None:
        db.session.delete(subscriber)
        db.session.flush()
