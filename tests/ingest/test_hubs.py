"""WebSub end to end: a feed that announces a local hub is subscribed, verified, pushed to,
renewed and unsubscribed; the app answers the hub from a real server on its base URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from digest.context import current_settings
from digest.edition.select import select_candidates
from digest.extensions import db
from digest.ingest import hubs
from digest.ingest.poll import poll_newsletter_sources
from digest.ingest.push import MAX_PUSH_BYTES
from digest.ingest.sources import remove_source
from digest.models import Article, HubState, HubSubscription, Source, SourceKind, utcnow
from digest.schedule.websub import ask_due_hubs
from tests.support.factories import make_newsletter
from tests.support.hub import Hub, Publisher, atom_feed
from tests.support.live import live_server
from tests.support.smtp import free_port

FIRST = [("lock", "Lock gates replaced")]
SECOND = [("weir", "Weir repairs begin"), *FIRST]


@pytest.fixture
def hub():
    hub = Hub().start()
    yield hub
    hub.stop()


@pytest.fixture
def publisher(hub):
    publisher = Publisher().start()
    publisher.document = atom_feed(FIRST, hub.url, publisher.url)
    yield publisher
    publisher.stop()


@pytest.fixture
def site(make_app):
    """The app served by a real server on the port its base URL names; inside its context."""
    port = free_port()
    app = make_app(base_url=f"http://127.0.0.1:{port}", allow_private_fetch="true")
    with live_server(app, port) as base, app.app_context():
        yield base


@pytest.fixture
def source(site, publisher):
    newsletter = make_newsletter()
    source = Source(
        newsletter=newsletter, kind=SourceKind.FEED, location=publisher.url, name="River"
    )
    db.session.add(source)
    db.session.commit()
    return source


def poll() -> None:
    list(poll_newsletter_sources(current_settings().ingest))


def subscription() -> HubSubscription:
    db.session.expire_all()
    return db.session.scalars(select(HubSubscription)).one()


def subscribe(hub: Hub) -> HubSubscription:
    """Poll, ask the hub, wait for its verification: the subscription, active."""
    poll()
    ask_due_hubs()
    assert hub.wait_for_verifications(1)[0].is_confirmed
    found = subscription()
    assert found.state is HubState.ACTIVE
    return found


def titles() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Article.title)))


def test_a_feed_that_announces_a_hub_is_subscribed_with_a_callback_on_the_base_url(
    site, source, hub, publisher
):
    poll()
    assert subscription().state is HubState.PENDING
    assert ask_due_hubs() == "1 hub request, 0 failed"
    [verification] = hub.wait_for_verifications(1)
    [asked] = hub.requests
    found = subscription()
    assert asked["hub.mode"] == "subscribe"
    assert asked["hub.topic"] == publisher.url
    assert asked["hub.callback"] == f"{site}/websub/{found.id}"
    assert asked["hub.secret"] == found.secret and len(found.secret) == 64
    assert asked["hub.lease_seconds"] == str(hubs.LEASE_SECONDS)
    assert verification.is_confirmed
    assert found.state is HubState.ACTIVE
    assert found.lease_seconds == 3600  # what the hub granted
    assert found.expires_at - found.due_at == timedelta(seconds=720)  # renewed at 4/5


def test_a_hub_named_in_the_link_header_is_used(site, source, hub, publisher):
    publisher.document = atom_feed(FIRST)
    publisher.link_header = f'<{hub.url}>; rel="hub", <{publisher.url}?v=2>; rel="self"'
    subscribe(hub)
    assert hub.requests[0]["hub.topic"] == f"{publisher.url}?v=2"


def test_a_verification_we_did_not_ask_for_is_refused(site, source, hub, publisher):
    found = subscribe(hub)
    callback = f"{site}/websub/{found.id}"
    replay = hub.verify(callback, "subscribe", publisher.url, "3600")  # asked once, verified
    wrong_topic = hub.verify(callback, "subscribe", "http://elsewhere.example/feed")
    wrong_mode = hub.verify(callback, "unsubscribe", publisher.url)
    no_such = hub.verify(f"{site}/websub/999", "subscribe", publisher.url)
    assert [v.status for v in (replay, wrong_topic, wrong_mode, no_such)] == [404] * 4
    assert not any(v.challenge in v.body for v in (replay, wrong_topic, wrong_mode, no_such))
    assert subscription().state is HubState.ACTIVE


def test_a_signed_delivery_is_in_the_candidate_pool_at_once(site, source, hub, publisher):
    found = subscribe(hub)
    pushed = atom_feed(SECOND, hub.url, publisher.url).encode()
    assert hub.deliver(f"{site}/websub/{found.id}", pushed, found.secret) == 202
    assert titles() == {"Lock gates replaced", "Weir repairs begin"}
    pool = {a.title for a in select_candidates(source.newsletter, utcnow(), None)}
    assert "Weir repairs begin" in pool
    found = subscription()
    assert found.push_count == 1 and found.last_push_at is not None


def test_a_sha1_signature_is_accepted_too(site, source, hub, publisher):
    found = subscribe(hub)
    pushed = atom_feed(SECOND).encode()
    assert hub.deliver(f"{site}/websub/{found.id}", pushed, found.secret, "sha1") == 202
    assert "Weir repairs begin" in titles()


def test_unsigned_and_badly_signed_deliveries_are_acknowledged_and_ignored(
    site, source, hub, publisher
):
    found = subscribe(hub)
    callback, pushed = f"{site}/websub/{found.id}", atom_feed(SECOND).encode()
    assert hub.deliver(callback, pushed, None) == 202
    assert hub.deliver(callback, pushed, "not-our-secret") == 202
    assert hub.deliver(callback, pushed, found.secret, "md5") == 202
    assert "Weir repairs begin" not in titles()
    found = subscription()
    assert (found.refused_count, found.push_count) == (3, 0)
    assert found.last_error == "a badly signed delivery was ignored"


def test_a_bad_delivery_does_not_stop_the_next(site, source, hub, publisher):
    found = subscribe(hub)
    callback = f"{site}/websub/{found.id}"
    assert hub.deliver(callback, b"<feed><entry>", found.secret) == 202
    hostile = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><feed>&a;</feed>'
    assert hub.deliver(callback, hostile, found.secret) == 202
    assert hub.deliver(callback, atom_feed(SECOND).encode(), found.secret) == 202
    assert "Weir repairs begin" in titles()
    found = subscription()
    assert (found.refused_count, found.push_count) == (1, 2)  # unclosed XML reads as empty
    db.session.refresh(source)
    assert source.failure_count == 0 and source.is_active


def test_a_delivery_over_the_size_limit_is_refused(site, source, hub, publisher):
    found = subscribe(hub)
    body = b" " * (MAX_PUSH_BYTES + 1)
    assert hub.deliver(f"{site}/websub/{found.id}", body, found.secret) == 413
    assert subscription().push_count == 0


def test_a_delivery_to_an_unknown_callback_is_not_found(site, source, hub, publisher):
    found = subscribe(hub)
    assert hub.deliver(f"{site}/websub/{found.id + 1}", b"<feed/>", found.secret) == 404


def test_the_lease_is_renewed_before_it_ends(site, source, hub, publisher):
    found = subscribe(hub)
    renew_at, first_expiry = found.due_at, found.expires_at
    assert ask_due_hubs(renew_at - timedelta(seconds=1)) is None
    assert len(hub.requests) == 1
    assert ask_due_hubs(renew_at) == "1 hub request, 0 failed"
    assert hub.requests[1]["hub.mode"] == "subscribe"
    assert hub.wait_for_verifications(2)[1].is_confirmed
    renewed = subscription()
    assert renewed.state is HubState.ACTIVE and renewed.expires_at >= first_expiry
    assert renew_at < first_expiry


def test_an_unverified_request_is_made_again_after_an_hour(site, source, hub, publisher):
    hub.state.answer_status = 204  # takes the request, never verifies
    poll()
    now = utcnow()
    ask_due_hubs(now)
    assert subscription().state is HubState.REQUESTED
    assert ask_due_hubs(now + hubs.VERIFY_WAIT - timedelta(seconds=1)) is None
    assert ask_due_hubs(now + hubs.VERIFY_WAIT) == "1 hub request, 0 failed"
    assert len(hub.requests) == 2


def test_a_hub_that_fails_is_asked_again_later_with_a_growing_wait(site, source, hub, publisher):
    hub.state.answer_status = 500
    poll()
    now = utcnow()
    assert ask_due_hubs(now) == "1 hub request, 1 failed"
    found = subscription()
    assert found.state is HubState.PENDING and "HTTP 500" in found.last_error
    assert found.due_at == now + hubs.RETRY_BASE
    retry_at = found.due_at
    ask_due_hubs(retry_at)
    assert subscription().due_at == retry_at + 2 * hubs.RETRY_BASE


def test_a_hub_may_deny_a_subscription(site, source, hub, publisher):
    found = subscribe(hub)
    status, _ = hub_get(f"{site}/websub/{found.id}", publisher.url)
    assert status == 200
    denied = subscription()
    assert denied.state is HubState.DENIED and "no thanks" in denied.last_error


def hub_get(callback: str, topic: str) -> tuple[int, bytes]:
    import urllib.parse

    from tests.support.hub import _open

    query = urllib.parse.urlencode(
        {"hub.mode": "denied", "hub.topic": topic, "hub.reason": "no thanks"}
    )
    return _open(f"{callback}?{query}")


def test_polling_goes_on_while_the_hub_pushes(site, source, hub, publisher):
    subscribe(hub)
    fetches = publisher.fetches
    publisher.document = atom_feed(SECOND, hub.url, publisher.url)
    poll()
    assert publisher.fetches == fetches + 1
    assert "Weir repairs begin" in titles()
    assert len(hub.requests) == 1  # the same hub and topic: no new subscription


def test_removing_the_source_unsubscribes_from_its_hub(site, source, hub, publisher):
    subscription_id = subscribe(hub).id
    remove_source(db.session.get(Source, source.id))
    db.session.commit()
    assert subscription().state is HubState.UNSUBSCRIBING
    ask_due_hubs()
    [_, asked] = hub.requests
    assert asked["hub.mode"] == "unsubscribe" and asked["hub.topic"] == publisher.url
    assert asked["hub.callback"] == f"{site}/websub/{subscription_id}"
    assert hub.wait_for_verifications(2)[1].is_confirmed
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(HubSubscription)) == 0


def test_a_feed_that_drops_its_hub_is_unsubscribed(site, source, hub, publisher):
    subscribe(hub)
    publisher.document = atom_feed(FIRST)
    poll()
    assert subscription().state is HubState.UNSUBSCRIBING
    ask_due_hubs()
    assert hub.requests[-1]["hub.mode"] == "unsubscribe"
    assert hub.wait_for_verifications(2)[1].is_confirmed
