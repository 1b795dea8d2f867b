"""`digest newsletter create / update`: topics and a weekly edition offered from the CLI."""

from __future__ import annotations

import pytest

from digest.extensions import db
from digest.models import Newsletter
from digest.newsletters import get_newsletter
from tests.support.cli import run_failing, run_ok


def invoke(runner, *args: str):
    return runner.invoke(args=["digest", "newsletter", *args])


def test_create_offers_topics_and_a_weekly_edition(runner):
    result = invoke(
        runner,
        *("create", "city", "--title", "City", "--topics", "Ferries, Weather"),
        *("--offer-weekly", "--weekly-schedule", "0 8 * * sun"),
    )
    assert result.exit_code == 0, result.output
    letter = get_newsletter("city")
    assert letter.topic_choices == ["Ferries", "Weather"]
    assert letter.offers_weekly and letter.weekly_cron == "0 8 * * sun"


def test_a_weekly_offer_without_its_schedule_is_one_line_and_creates_nothing(runner):
    result = invoke(runner, "create", "city", "--title", "City", "--offer-weekly")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: weekly schedule: a weekly edition needs a cron line, e.g. 0 8 * * 0"
    ]
    assert db.session.query(Newsletter).count() == 0


def test_update_turns_the_weekly_offer_on_and_off_and_keeps_the_rest(runner):
    assert invoke(runner, "create", "city", "--title", "City", "--topics", "Ferries").exit_code == 0
    result = invoke(runner, "update", "city", "--offer-weekly", "--weekly-schedule", "0 8 * * 0")
    assert result.exit_code == 0, result.output
    assert "topics Ferries; weekly at '0 8 * * 0'" in result.output
    assert invoke(runner, "update", "city", "--no-offer-weekly").exit_code == 0
    db.session.expire_all()
    letter = get_newsletter("city")
    assert not letter.offers_weekly and letter.topic_choices == ["Ferries"]


def test_a_bad_weekly_schedule_is_refused(runner):
    assert invoke(runner, "create", "city", "--title", "City").exit_code == 0
    result = invoke(runner, "update", "city", "--offer-weekly", "--weekly-schedule", "0 25 * * 0")
    assert result.exit_code == 1
    assert "weekly schedule: bad cron expression" in result.output


@pytest.mark.parametrize(
    ("slug", "command"),
    [
        ("riversid", ["build", "riversid"]),
        ("Riverside", ["newsletter", "update", "Riverside", "--topics", "Sport"]),
        ("rivreside", ["sources", "list", "--newsletter", "rivreside"]),
        ("riverside2", ["poll", "--newsletter", "riverside2"]),
        ("river-side", ["subscribers", "import", "people.csv", "--newsletter", "river-side"]),
        ("riversde", ["import", "articles", "--newsletter", "riversde"]),
    ],
)
def test_an_unknown_slug_is_one_line_naming_the_closest_one(runner, slug, command):
    run_ok(runner, "newsletter", "create", "riverside", "--title", "Riverside Weekly")
    run_ok(runner, "newsletter", "create", "harbour", "--title", "Harbour")
    result = run_failing(runner, *command)
    assert result.stdout == ""
    assert result.stderr == f"Error: unknown newsletter: {slug} (did you mean riverside?)\n"


def test_an_unknown_slug_like_none_is_named_alone(runner):
    run_ok(runner, "newsletter", "create", "riverside", "--title", "Riverside Weekly")
    assert run_failing(runner, "build", "zzz").stderr == "Error: unknown newsletter: zzz\n"
