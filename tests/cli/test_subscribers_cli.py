"""`subscribers import` as an admin runs it: progress on stderr, a mis-quoted row named by the
line its quote opened on, and the rows after it kept."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from digest.audience import import_csv
from digest.extensions import db
from digest.models import Subscription
from tests.support.cli import run_failing, run_ok
from tests.support.factories import make_newsletter


def subscriptions() -> int:
    return db.session.scalar(select(func.count()).select_from(Subscription))


def test_a_long_import_shows_its_progress_on_stderr_and_the_result_on_stdout(runner, tmp_path):
    run_ok(runner, "newsletter", "create", "city", "--title", "City")
    path = tmp_path / "people.csv"
    rows = [f"reader{i}@example.org,Reader {i}" for i in range(3000)]
    path.write_text("email,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(
        args=["digest", "subscribers", "import", str(path), "--newsletter", "city"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "3000 added, 0 already there\n"
    assert result.stderr.startswith("importing subscribers")
    assert subscriptions() == 3000


def test_sending_opt_in_mails_shows_its_progress_too(runner, smtp_server, tmp_path):
    run_ok(runner, "newsletter", "create", "city", "--title", "City")
    path = tmp_path / "people.csv"
    path.write_text("email\nann@example.org\nbob@example.org\n", encoding="utf-8")
    result = runner.invoke(
        args=["digest", "subscribers", "import", str(path), "--newsletter", "city", "--confirm"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["importing subscribers", "sending confirmations"]
    assert sorted(smtp_server.recipients()) == ["ann@example.org", "bob@example.org"]


def test_the_import_reads_every_line_through_the_progress_it_is_given(app):
    newsletter = make_newsletter()
    seen: list[str] = []

    @contextmanager
    def progress(lines: Iterable[str]) -> Iterator[Iterable[str]]:
        yield (seen.append(line) or line for line in lines)

    text = "email\n" + "".join(f"r{i}@example.org\n" for i in range(5))
    report = import_csv(newsletter, io.StringIO(text, newline=""), False, progress)
    assert report.added == 5 and len(seen) == 6


def test_an_unclosed_quote_is_reported_on_its_own_line_and_the_next_rows_are_kept(runner, tmp_path):
    run_ok(runner, "newsletter", "create", "city", "--title", "City")
    path = tmp_path / "people.csv"
    path.write_text(
        'email,name\nann@example.org,Ann\nbob@example.org,"Bob\ncid@example.org,Cid\n'
        "dan@example.org,Dan\n",
        encoding="utf-8",
    )
    result = run_failing(runner, "subscribers", "import", str(path), "--newsletter", "city")
    assert result.stdout == "3 added, 0 already there\n"
    assert result.stderr.splitlines()[-2:] == [
        "line 3: unreadable row (a quote opened on this line never closes; "
        "the lines after it are read on their own)",
        "Error: 1 bad row skipped; the rest imported",
    ]
    assert subscriptions() == 3
