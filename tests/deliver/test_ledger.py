"""The ledger: release once, claim with leases, take over expired ones, finish when all is done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from digest.deliver import counts_of, dispatch
from digest.deliver.ledger import (
    claim_batch,
    has_pending,
    load_row,
    load_rows,
    mark_sent,
    renew_lease,
)
from digest.errors import InvalidTransition
from digest.extensions import db
from digest.models import (
    Delivery,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
)
from tests.support.factories import settings_of

LEASE = timedelta(minutes=5)


def released(job) -> Edition:
    edition = db.session.get(Edition, job.edition_id)
    dispatch.release(edition, settings_of(job.app))
    db.session.commit()
    return edition


def row_count(edition_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.edition_id == edition_id)
    )


def test_release_freezes_and_creates_one_row_per_active_address(sending):
    job = sending(subscribers=6)
    set_subscription(job.emails[0], SubscriptionStatus.UNSUBSCRIBED)
    set_subscription(job.emails[1], SubscriptionStatus.PENDING)
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.email == job.emails[2])
        .values(status=SubscriberStatus.BOUNCED)
    )
    db.session.commit()
    edition = released(job)
    assert edition.is_frozen and edition.status is EditionStatus.SENDING
    assert edition.snapshot["sections"]
    assert row_count(job.edition_id) == 3


def test_releasing_again_changes_nothing(sending):
    job = sending(subscribers=4)
    edition = released(job)
    snapshot, released_at = edition.snapshot, edition.released_at
    with pytest.raises(InvalidTransition):
        dispatch.release(db.session.get(Edition, job.edition_id), settings_of(job.app))
    db.session.rollback()
    db.session.expire_all()
    edition = db.session.get(Edition, job.edition_id)
    assert (edition.snapshot, edition.released_at) == (snapshot, released_at)
    assert row_count(job.edition_id) == 4


def test_a_release_that_fails_leaves_the_edition_as_it_was(sending):
    job = sending(subscribers=4)
    edition = db.session.get(Edition, job.edition_id)
    dispatch.release(edition, settings_of(job.app))
    db.session.rollback()  # e.g. the process died before the commit
    assert row_count(job.edition_id) == 0
    edition = db.session.get(Edition, job.edition_id)
    assert edition.released_at is None and edition.status is EditionStatus.APPROVED


@pytest.fixture
def connection(sending):
    """A connection of its own, as each sending worker has (after `sending` made the app)."""
    connections = []

    def connect():
        connections.append(db.engine.connect())
        return connections[-1]

    yield connect
    for each in connections:
        each.close()


def test_claims_are_disjoint_and_leased_rows_are_not_claimed_again(sending, connection):
    job = sending(subscribers=10)
    released(job)
    worker = connection()
    first = claim_batch(worker, job.edition_id, 4, LEASE)
    second = claim_batch(worker, job.edition_id, 4, LEASE)
    third = claim_batch(worker, job.edition_id, 4, LEASE)
    assert len(first.ids) == len(second.ids) == 4 and len(third.ids) == 2
    assert not set(first.ids) & set(second.ids) | set(third.ids) & set(first.ids + second.ids)
    assert claim_batch(worker, job.edition_id, 4, LEASE).ids == []


def test_near_the_end_a_claim_takes_its_share_so_every_connection_has_rows(sending, connection):
    job = sending(subscribers=50)
    released(job)
    worker = connection()
    sizes = [len(claim_batch(worker, job.edition_id, 20, LEASE, senders=4).ids) for _ in range(8)]
    # 50 left: 13 each for 4 senders; then 37 -> 10, 27 -> 7, 20 -> 5, 15 -> 4, 11 -> 3 ...
    assert sizes == [13, 10, 7, 5, 4, 3, 2, 2] and sum(sizes) == 46
    assert [len(claim_batch(worker, job.edition_id, 20, LEASE).ids) for _ in range(2)] == [4, 0]


def test_expired_leases_are_taken_over_and_the_old_holder_loses_them(sending, connection):
    job = sending(subscribers=3)
    released(job)
    old, new = connection(), connection()
    dead = claim_batch(old, job.edition_id, 3, timedelta(seconds=-1))  # already expired
    taker = claim_batch(new, job.edition_id, 3, LEASE)
    assert taker.ids == dead.ids
    assert load_row(old, dead.ids[0], dead.token) is None
    assert load_row(new, taker.ids[0], taker.token) is not None
    assert renew_lease(old, dead, dead.ids, LEASE).ids == []
    assert renew_lease(new, taker, taker.ids, LEASE).ids == taker.ids


def test_rows_read_together_are_those_still_ours_with_their_eligibility(sending, connection):
    job = sending(subscribers=4)
    released(job)
    sender = connection()
    claim = claim_batch(sender, job.edition_id, 4, LEASE)
    first, second, third, fourth = claim.ids
    mark_sent(sender, first)
    row = db.session.get(Delivery, third)
    set_subscription(row.subscriber.email, SubscriptionStatus.UNSUBSCRIBED)
    db.session.commit()
    rows = load_rows(sender, claim.ids, claim.token)
    assert sorted(rows) == [second, third, fourth]  # the sent one is no longer pending
    assert not rows[third].is_eligible and rows[second].is_eligible and rows[fourth].is_eligible
    assert rows[second] == load_row(sender, second, claim.token)
    assert load_rows(sender, claim.ids, claim.token - LEASE) == {}  # someone else's lease


def test_a_row_marked_sent_is_not_claimed_or_marked_again(sending, connection):
    job = sending(subscribers=1)
    released(job)
    worker = connection()
    claim = claim_batch(worker, job.edition_id, 5, LEASE)
    assert mark_sent(worker, claim.ids[0]) is True
    assert mark_sent(worker, claim.ids[0]) is False
    assert claim_batch(worker, job.edition_id, 5, timedelta(seconds=-1)).ids == []


def test_a_row_is_pending_until_it_is_marked(sending, connection):
    job = sending(subscribers=2)
    released(job)
    worker = connection()
    claim = claim_batch(worker, job.edition_id, 5, LEASE)
    mark_sent(worker, claim.ids[0])
    assert has_pending(worker, job.edition_id) is True
    mark_sent(worker, claim.ids[1])
    assert has_pending(worker, job.edition_id) is False


def test_counts_name_every_state_for_the_admin_pages(sending):
    job = sending(subscribers=2)
    released(job)
    counts = counts_of(job.edition_id)
    assert set(counts) == {"pending", "sent", "failed", "skipped", "retrying", "suppressed"}
    assert counts["pending"] == 2


def test_claiming_on_sqlite_walks_the_index_not_the_sent_rows(sending, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's query plan")
    job = sending(subscribers=1)
    released(job)
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("UPDATE delivery"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.engine.connect() as worker:
            claim_batch(worker, job.edition_id, 50, LEASE)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = statements[0]
    plan = (
        db.session.connection()
        .exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement.replace(" RETURNING delivery.id", ""), parameters
        )
        .all()
    )
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX" in details and "TEMP B-TREE" not in details, details


def set_subscription(address: str, status: SubscriptionStatus) -> None:
    subscriber_id = select(Subscriber.id).where(Subscriber.email == address).scalar_subquery()
    db.session.execute(
        update(Subscription)
        .where(Subscription.subscriber_id == subscriber_id)
        .values(status=status)
    )
