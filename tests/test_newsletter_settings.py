"""Newsletter settings changed in the admin pages: checked before stored, honoured by the build."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest import newsletters
from digest.edition.build import build_edition
from digest.errors import AlreadyExists, InvalidInput, InvalidSettings
from digest.extensions import db
from digest.models import utcnow
from tests.support.factories import make_article, make_newsletter, make_source


def test_settings_are_updated_together(app):
    letter = make_newsletter()
    newsletters.update_newsletter(
        letter,
        title="  City   Weekly ",
        slug="city-weekly",
        reply_to="Desk@Example.org",
        schedule_cron="0  7 * * 1-5",
        timezone="Europe/London",
        lookback_days=3,
        min_stories=2,
        max_stories=10,
        send_mode="review",
        topic_choices="Sport, Science\nSport",
    )
    db.session.commit()
    letter = newsletters.get_newsletter("city-weekly")
    assert (letter.title, letter.reply_to, letter.schedule_cron) == (
        "City Weekly",
        "desk@example.org",
        "0 7 * * 1-5",
    )
    assert letter.topic_choices == ["Sport", "Science"] and letter.send_mode == "review"


@pytest.mark.parametrize(
    "change, words",
    [
        ({"slug": "Bad Slug"}, "bad newsletter slug"),
        ({"schedule_cron": "61 * * * *"}, "bad cron expression"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"reply_to": "not an address"}, "not an email address"),
        ({"lookback_days": 0}, "lookback days"),
        ({"min_stories": 5, "max_stories": 4}, "above the maximum"),
        ({"send_mode": "whenever"}, "send mode"),
        ({"title": " "}, "title"),
    ],
)
def test_a_bad_setting_changes_nothing(app, change, words):
    letter = make_newsletter(schedule_cron="0 7 * * mon")
    with pytest.raises(InvalidInput, match=words):
        newsletters.update_newsletter(letter, **{"title": "Changed", **change})
    db.session.rollback()
    assert newsletters.get_newsletter("city").title == "City Digest"


def test_a_taken_slug_is_refused(app):
    make_newsletter("other", "Other")
    letter = make_newsletter()
    with pytest.raises(AlreadyExists):
        newsletters.update_newsletter(letter, slug="other")


@pytest.mark.parametrize(
    "field, days",
    [("1-5", "mon,tue,wed,thu,fri"), ("0", "sun"), ("7", "sun"), ("sat-sun", "sun,sat")],
)
def test_crontab_weekdays_count_sunday_as_zero(field, days):
    assert newsletters.crontab_weekdays(field) == days


def test_weekday_schedules_run_monday_to_friday():
    friday = datetime(2026, 11, 27, 12, tzinfo=UTC)
    runs = newsletters.next_runs("0 7 * * 1-5", "Europe/London", 3, after=friday)
    assert [r.strftime("%a %H:%M") for r in runs] == ["Mon 07:00", "Tue 07:00", "Wed 07:00"]


def test_a_schedule_reads_as_words():
    words = newsletters.describe_schedule("0 7 * * mon", "Europe/London")
    assert words == "At 07:00, only on Monday (Europe/London)"
    assert newsletters.describe_schedule(None) == "Sent by hand"


def test_the_build_keeps_only_the_newest_stories_up_to_the_maximum(app):
    letter = make_newsletter(max_stories=2)
    source = make_source(letter)
    texts = {
        3: "The harbour bridge reopened after eight months of cable repairs.",
        2: "Orchard growers expect a record apple harvest after a mild spring.",
        1: "The central library will stay open until ten on Friday evenings.",
    }
    for hours, text in texts.items():
        make_article(
            source, title=f"Story {hours}", text=text, fetched_at=utcnow() - timedelta(hours=hours)
        )
    db.session.commit()
    edition = build_edition(letter)
    assert sorted(i.article.title for i in edition.items) == ["Story 1", "Story 2"]


def test_the_build_looks_back_only_as_far_as_the_window(app):
    letter = make_newsletter(lookback_days=2)
    source = make_source(letter)
    make_article(source, title="Old", fetched_at=utcnow() - timedelta(days=3))
    make_article(source, title="Fresh", fetched_at=utcnow() - timedelta(days=1))
    db.session.commit()
    assert [i.article.title for i in build_edition(letter).items] == ["Fresh"]


def test_every_bad_setting_is_reported_at_once(app):
    letter = make_newsletter()
    with pytest.raises(InvalidSettings) as caught:
        newsletters.update_newsletter(
            letter, slug="Bad Slug", schedule_cron="61 * * * *", timezone="Mars/Olympus"
        )
    assert [p.field for p in caught.value.problems] == ["slug", "timezone", "schedule_cron"]
    assert "minute 61 is out of range: minutes run from 0 to 59" in str(caught.value)


@pytest.mark.parametrize(
    "cron",
    ["0 7 * * 1-5", "*/15 6-22 * * *", "0 8 1,15 jan-mar sun", "30 7 * * fri-mon", "5/20 * * * 7"],
)
def test_good_schedules_still_run(cron):
    assert newsletters.next_runs(cron, "Europe/London", 2, after=datetime(2026, 1, 5, tzinfo=UTC))
