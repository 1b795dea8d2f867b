"""`build`, `preview` and `send` as a user runs them: counts in words, states refused in one line,
the edition as one reader gets it."""

from __future__ import annotations

from sqlalchemy import func, select, update

from digest.edition import lifecycle
from digest.extensions import db
from digest.links import subscriber_url
from digest.models import Delivery, Edition, EditionStatus, Subscription, SubscriptionStatus
from tests.support.cli import run_failing, run_ok
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of
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


def topical_edition() -> Edition:
    edition = make_edition(
        make_newsletter(),
        items=[
            {"title": "Ferry timetable changes in May", "section": "Ferries"},
            {"title": "Storm warning for the coast", "section": "Weather"},
        ],
    )
    make_subscribers(edition.newsletter, 1, topics=["Ferries"])  # reader0@example.org
    return edition


def preview_as(runner, edition: Edition, tmp_path, reader: str) -> tuple[str, str]:
    html, text = tmp_path / "reader.html", tmp_path / "reader.txt"
    run_ok(
        runner,
        "preview",
        str(edition.id),
        "--reader",
        reader,
        "--html",
        str(html),
        "--text",
        str(text),
    )
    return html.read_text(encoding="utf-8"), text.read_text(encoding="utf-8")


def test_preview_as_a_reader_has_her_name_topics_and_own_links(app, runner, tmp_path):
    edition = topical_edition()
    subscription = db.session.scalars(select(Subscription)).one()
    _, text = preview_as(runner, edition, tmp_path, "Reader0@Example.org")
    assert "Hi Reader 0," in text
    assert "Ferry timetable changes" in text and "Storm warning" not in text
    links = settings_of(app).links
    assert f"Unsubscribe: {subscriber_url(links, 'unsubscribe', subscription.id)}" in text
    assert f"preferences: {subscriber_url(links, 'preferences', subscription.id)}" in text
    assert "because reader0@example.org subscribed" in text and "web archive" not in text


def test_preview_as_a_reader_is_exactly_the_mail_she_is_sent(app, runner, smtp_server, tmp_path):
    edition = topical_edition()
    html, text = preview_as(runner, edition, tmp_path, "reader0@example.org")
    run_ok(runner, "send", str(edition.id))
    sent = smtp_server.received[0].message
    for subtype, previewed in (("plain", text), ("html", html)):
        body = sent.get_body((subtype,)).get_content()
        assert body.replace("\r\n", "\n") == previewed
    assert preview_as(runner, edition, tmp_path, "reader0@example.org") == (html, text)


def test_preview_as_someone_who_is_no_reader_is_one_line(app, runner):
    edition = topical_edition()
    result = run_failing(runner, "preview", str(edition.id), "--reader", "nobody@example.org")
    assert result.output == "Error: unknown reader of city: nobody@example.org\n"


def test_preview_as_a_reader_who_left_says_she_does_not_get_it(app, runner, tmp_path):
    edition = topical_edition()
    db.session.execute(update(Subscription).values(status=SubscriptionStatus.UNSUBSCRIBED))
    db.session.commit()
    result = runner.invoke(
        args=["digest", "preview", str(edition.id), "--reader", "reader0@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "reader0@example.org does not get this edition: subscription unsubscribed\n"
    )
    assert "Hi Reader 0," in result.stdout


def test_the_first_edition_says_so_and_the_next_one_speaks_of_the_last(app, runner, smtp_server):
    first = make_edition(make_newsletter(), items=1)
    make_subscribers(first.newsletter, 1)
    assert "in this first edition" in run_ok(runner, "preview", str(first.id))
    run_ok(runner, "send", str(first.id))
    second = make_edition(first.newsletter, items=1)
    assert "since the last edition" in run_ok(runner, "preview", str(second.id))
    assert "in this first edition" in run_ok(runner, "preview", str(first.id))  # as frozen
    mail = smtp_server.received[0].message.get_body(("plain",)).get_content()
    assert "in this first edition" in mail and "last edition" not in mail
