"""Bad input to the CLI: one clear line and a non-zero exit, nothing half-done."""

from __future__ import annotations

from sqlalchemy import func, select

from digest.extensions import db
from digest.models import Subscription


def invoke(runner, *args: str):
    return runner.invoke(args=["digest", *args])


def create_newsletter(runner) -> None:
    assert invoke(runner, "newsletter", "create", "city", "--title", "City").exit_code == 0


def test_unknown_newsletter_is_one_line_and_exit_1(runner, tmp_path):
    result = invoke(runner, "build", "nope")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: unknown newsletter: nope"


def test_missing_import_file_is_reported(runner, tmp_path):
    create_newsletter(runner)
    result = invoke(runner, "import", str(tmp_path / "missing.txt"), "--newsletter", "city")
    assert result.exit_code == 1
    assert "no such file or folder" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bad_csv_rows_are_reported_with_line_numbers_and_good_rows_kept(runner, app, tmp_path):
    create_newsletter(runner)
    csv_path = tmp_path / "people.csv"
    csv_path.write_text("email,name\nok@example.org,Ok\nnot-an-address,Bad\nfine@example.org,\n")
    result = invoke(runner, "subscribers", "import", str(csv_path), "--newsletter", "city")
    assert result.exit_code == 1
    assert "line 3: not an email address: 'not-an-address'" in result.output
    assert db.session.scalar(select(func.count()).select_from(Subscription)) == 2


def test_csv_without_email_column_is_refused(runner, tmp_path):
    create_newsletter(runner)
    csv_path = tmp_path / "people.csv"
    csv_path.write_text("name\nAda\n")
    result = invoke(runner, "subscribers", "import", str(csv_path), "--newsletter", "city")
    assert result.exit_code == 1
    assert "line 1" in result.output


def test_bad_cron_expression_is_refused(runner):
    result = invoke(runner, "newsletter", "create", "x", "--title", "X", "--schedule", "99 * *")
    assert result.exit_code == 1
    assert "bad cron expression" in result.output


def test_unknown_time_zone_is_refused(runner):
    result = invoke(runner, "newsletter", "create", "x", "--title", "X", "--timezone", "Mars/Base")
    assert result.exit_code == 1
    assert "unknown time zone" in result.output


def test_unknown_edition_for_send(runner):
    result = invoke(runner, "send", "999")
    assert result.exit_code == 1
    assert "unknown edition: 999" in result.output


def test_every_command_has_help(runner):
    for command in (
        ["newsletter", "create"],
        ["sources", "add"],
        ["import"],
        ["poll"],
        ["subscribers", "import"],
        ["build"],
        ["preview"],
        ["send"],
        ["scheduler"],
    ):
        result = invoke(runner, *command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.output
