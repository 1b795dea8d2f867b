"""Newsletter operations: slugs, schedules and keyword sections are checked before storing."""

from __future__ import annotations

import pytest

from digest import newsletters
from digest.errors import AlreadyExists, InvalidInput, NotFound
from digest.extensions import db


@pytest.mark.parametrize("slug", ["city", "a", "tech-weekly-2", "x" * 64])
def test_good_slugs_are_accepted(slug):
    assert newsletters.check_slug(slug) == slug


@pytest.mark.parametrize("slug", ["", "Bad Slug!", "-lead", "UPPER", "x" * 65, "a/b", "caf\u00e9"])
def test_bad_slugs_are_refused(slug):
    with pytest.raises(InvalidInput, match="bad newsletter slug"):
        newsletters.check_slug(slug)


def test_a_newsletter_is_created_once(app):
    newsletters.create_newsletter(
        "city", "City", "News@Digest.test", "0 7 * * mon", "Europe/London"
    )
    db.session.commit()
    letter = newsletters.get_newsletter("city")
    assert letter.from_email == "news@digest.test" and letter.timezone == "Europe/London"
    with pytest.raises(AlreadyExists):
        newsletters.create_newsletter("city", "Again", "news@digest.test")


def test_a_bad_schedule_or_time_zone_is_refused(app):
    with pytest.raises(InvalidInput, match="bad cron expression"):
        newsletters.create_newsletter("a", "A", "a@digest.test", "99 * *")
    with pytest.raises(InvalidInput, match="unknown time zone"):
        newsletters.create_newsletter("a", "A", "a@digest.test", None, "Mars/Base")


def test_an_unknown_newsletter_is_not_found(app):
    with pytest.raises(NotFound, match="unknown newsletter: nope"):
        newsletters.get_newsletter("nope")


def test_a_malformed_sections_line_names_its_line():
    with pytest.raises(InvalidInput, match="line 3"):
        newsletters.parse_sections("Sport: football\n\nno colon here")
    parsed = newsletters.parse_sections("Sport: football, tennis\nTransport: rail")
    assert newsletters.parse_sections(newsletters.format_sections(parsed)) == parsed


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"from_email": "nobody"}, "from_email"),
        ({"reply_to": "nobody"}, "reply_to"),
        ({"schedule_cron": "0 25 * * *"}, "schedule_cron"),
        ({"schedule_cron": "0 7 * * funday"}, "schedule_cron"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"offers_weekly": True, "weekly_cron": ""}, "weekly_cron"),
        ({"weekly_cron": "0 8 * *"}, "weekly_cron"),
        ({"lookback_days": 0}, "lookback_days"),
        ({"min_stories": 20, "max_stories": 10}, "min_stories"),
        ({"max_stories": 500}, "max_stories"),
        ({"review_minutes": -1}, "review_minutes"),
        ({"send_mode": "sometimes"}, "send_mode"),
        ({"summary_sentences": 4}, "summary_sentences"),
        ({"summary_words": 5}, "summary_words"),
    ],
)
def test_an_update_is_refused_naming_the_setting_at_fault(app, changes, field):
    letter = newsletters.create_newsletter("city", "City", "news@digest.test")
    with pytest.raises(InvalidInput) as refused:
        newsletters.update_newsletter(letter, **changes)
    assert refused.value.field == field


def test_a_slug_already_taken_is_refused_naming_the_slug(app):
    newsletters.create_newsletter("city", "City", "news@digest.test")
    letter = newsletters.create_newsletter("town", "Town", "news@digest.test")
    with pytest.raises(AlreadyExists) as refused:
        newsletters.update_newsletter(letter, slug="city")
    assert refused.value.field == "slug"


def test_create_names_its_own_parameters_when_it_refuses(app):
    with pytest.raises(InvalidInput) as refused:
        newsletters.create_newsletter("a", "A", "a@digest.test", schedule="99 * *")
    assert refused.value.field == "schedule"
    with pytest.raises(InvalidInput) as refused:
        newsletters.create_newsletter("a", "A", "not an address")
    assert refused.value.field == "from_email"


def test_a_malformed_sections_line_is_about_the_sections_and_keeps_its_line():
    with pytest.raises(InvalidInput) as refused:
        newsletters.parse_sections("Sport: football\nno colon here")
    assert (refused.value.field, refused.value.line) == ("sections", 2)
