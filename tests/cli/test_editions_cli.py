"""`build`, `preview` and `send` as a user runs them: counts in words, states refused in one line,
the edition as one reader gets it."""

from __future__ import annotations

from sqlalchemy import func, select, update

from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Delivery, Edition, EditionStatus
from tests.support.cli import run_failing, run_ok
from tests.support.factories import make_edition, make_newsletter, make_subscribers
from tests.support.pipeline import ARTICLES


def test_build_counts_one_article_in_one_story(runner, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbour.txt").write_text(ARTICLES["harbour.txt"], encoding="utf-8")
    run_ok(runner, "newsletter", "create", "city", "--title", "City")
    run_ok(runner, "import", str(folder), "--newsletter", "city")
    output = run_ok(runner, "build", "city").splitlines()
    assert output[-2].endswith(": 1 article in 1 story")


def sent_edition(runner, smtp_server, readers: int = 2) -> Edition:
    edition = make_edition(make_newsletter(), items=2)
    make_subscribers(edition.newsletter, readers)
    run_ok(runner, "send", str(edition.id))
    smtp_server.received.clear()
    return edition


def test_send_refuses_a_cancelled_edition_in_one_line_and_sends_nothing(app, runner, smtp_server):
    edition = make_edition(make_newsletter(), items=2)
    make_subscribers(edition.newsletter, 2)
    lifecycle.cancel(edition)
    db.session.commit()
    result = run_failing(runner, "send", str(edition.id))
    assert result.stdout == ""
    assert result.stderr == f"Error: edition {edition.id} is cancelled: nothing is sent\n"
    assert smtp_server.received == []
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_send_of_an_edition_cancelled_half_way_says_how_many_went_out(app, runner, smtp_server):
    edition = sent_edition(runner, smtp_server)
    db.session.execute(update(Edition).values(status=EditionStatus.CANCELLED))
    db.session.commit()
    result = run_failing(runner, "send", str(edition.id))
    assert (
        result.stderr
        == f"Error: edition {edition.id} is cancelled after 2 went out: nothing is sent\n"
    )
    assert smtp_server.received == []


def test_send_of_a_sent_edition_says_it_was_sent_and_sends_nothing_again(app, runner, smtp_server):
    edition = sent_edition(runner, smtp_server)
    output = run_ok(runner, "send", str(edition.id))
    assert output.startswith(f"edition {edition.id} was already sent (pending 0, sent 2, failed 0")
    assert output.endswith("): nothing more\n") and "sending" not in output
    assert smtp_server.received == []


def test_send_where_every_recipient_is_refused_exits_non_zero(app, runner, smtp_server):
    edition = make_edition(make_newsletter(), items=2)
    make_subscribers(edition.newsletter, 2)
    smtp_server.handler.rcpt_script = lambda address, _: "550 5.1.1 no such user"
    result = run_failing(runner, "send", str(edition.id))
    assert result.stdout.startswith(f"edition {edition.id}: pending 0, sent 0, failed 2")
    assert result.stderr.endswith(
        f"Error: edition {edition.id}: no message was accepted (2 recipients failed)\n"
    )
