"""Release compiles one message per distinct topic set, found by the database."""

from __future__ import annotations

from digest.deliver.dispatch import _topic_keys
from tests.support.factories import make_subscribers


def test_the_distinct_topic_sets_come_from_the_database(sending):
    job = sending(subscribers=3)
    make_subscribers(job.newsletter_id, 2, start=100, topics=["transport"])
    make_subscribers(job.newsletter_id, 1, start=200, topics=["arts", "transport"])
    make_subscribers(job.newsletter_id, 1, start=300, topics=["transport", "arts"])
    assert _topic_keys(job.newsletter_id) == {
        None,
        frozenset({"transport"}),
        frozenset({"arts", "transport"}),
    }
