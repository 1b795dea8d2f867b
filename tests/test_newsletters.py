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
