"""The progress people watch: the pace of a send and the time left, right from the first
seconds, after a pause and while stopped; counts that add up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from digest.deliver.progress import about, progress_of, sending_rate
from digest.extensions import db
from digest.models import DeliveryStatus, EditionStatus, utcnow
from tests.support.factories import (
    make_deliveries,
    make_edition,
    make_newsletter,
    make_subscribers,
)

NOW = utcnow()


def sent_at(rate: float, seconds: float, end: float = 0.0) -> list:
    """Send times at `rate` a second for `seconds`, the last `end` seconds before NOW."""
    count = int(rate * seconds)
    return [NOW - timedelta(seconds=end + i / rate) for i in range(count)]


def test_the_rate_of_a_send_ten_seconds_old_is_its_own_not_a_minutes_average():
    assert sending_rate(sent_at(5, 10), NOW) == pytest.approx(5, rel=0.15)


def test_the_time_paused_is_not_counted_after_a_resume():
    before_the_pause = sent_at(10, 60, end=300)
    since_the_resume = sent_at(10, 8)
    assert sending_rate(before_the_pause + since_the_resume, NOW) == pytest.approx(10, rel=0.15)


def test_a_long_send_follows_its_last_minute():
    fast_then_slow = sent_at(20, 600, end=120) + sent_at(2, 120)
    assert sending_rate(fast_then_slow, NOW) == pytest.approx(2, rel=0.15)


def test_a_slow_send_is_not_mistaken_for_pauses():
    one_every_twenty_seconds = sent_at(0.05, 300)
    assert sending_rate(one_every_twenty_seconds, NOW) == pytest.approx(0.05, rel=0.25)


def test_too_soon_to_tell_and_stopped_are_told_apart():
    assert sending_rate([], NOW) is None
    assert sending_rate(sent_at(5, 0.4), NOW) is None  # two messages
    assert sending_rate(sent_at(5, 30, end=60), NOW) == 0.0  # nothing for a minute


@pytest.mark.parametrize(
    "seconds, words",
    [
        (20, "less than a minute"),
        (70, "about 1 minute"),
        (200, "about 3 minutes"),
        (4332, "about 1 hour 10 minutes"),
        (7200, "about 2 hours"),
        (15 * 3600, "about 15 hours"),
        (5 * 86400, "about 5 days"),
    ],
)
def test_durations_read_as_people_say_them(seconds, words):
    assert about(seconds) == words


@pytest.fixture
def half_sent(app):
    """A sending edition: 50 sent over the last ten seconds, 3 skipped, 2 failed, 300 to go."""
    letter = make_newsletter()
    edition = make_edition(letter, items=1, status=EditionStatus.SENDING)
    make_subscribers(letter, 355)
    make_deliveries(
        edition,
        [(DeliveryStatus.SENT, t) for t in sent_at(5, 10)]
        + [(DeliveryStatus.SKIPPED, None)] * 3
        + [(DeliveryStatus.FAILED, None)] * 2
        + [(DeliveryStatus.PENDING, None)] * 300,
    )
    return edition


def test_the_time_left_follows_the_send_so_far(half_sent):
    progress = progress_of(half_sent, NOW)
    assert progress.rate == pytest.approx(5, rel=0.15)
    assert progress.eta_seconds == pytest.approx(60, rel=0.15)
    assert progress.time_left == "about 1 minute left"


def test_the_counts_add_up_to_the_readers(half_sent):
    progress = progress_of(half_sent, NOW)
    assert (progress.sent, progress.skipped, progress.failed, progress.waiting) == (50, 3, 2, 300)
    assert progress.sent + progress.skipped + progress.failed + progress.waiting == progress.total


def test_a_paused_edition_says_paused_and_no_time_left(half_sent):
    half_sent.status = EditionStatus.PAUSED
    db.session.commit()
    progress = progress_of(half_sent, NOW)
    assert (progress.time_left, progress.eta_seconds, progress.rate) == ("paused", None, None)


def test_a_send_that_stopped_says_since_when(half_sent):
    progress = progress_of(half_sent, NOW + timedelta(minutes=3))
    assert progress.eta_seconds is None
    assert progress.time_left == "waiting: nothing sent for 3 minutes"
