"""Subscribing proves nothing about who asked: it never changes a subscriber's data."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import func, select, update

from digest import audience
from digest.deliver.message import format_address
from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import Newsletter, Subscriber, SubscriberStatus, Subscription
from tests.support.cli import run_ok
from tests.support.factories import make_newsletter

PHISHING = "Your account is suspended, verify at https://evil.example/login"


def test_a_subscribe_request_never_renames_a_subscriber(app):
    newsletter = make_newsletter()
    audience.subscribe(newsletter, "ada@example.org", "Ada")
    audience.subscribe(newsletter, "bob@example.org")
    db.session.commit()
    audience.subscribe(newsletter, "ADA@example.org", PHISHING)
    audience.subscribe(make_newsletter("other"), "bob@example.org", "x" * 1000)
    db.session.commit()
    names = dict(db.session.execute(select(Subscriber.email, Subscriber.name)).all())
    assert names == {"ada@example.org": "Ada", "bob@example.org": None}


def test_names_are_cleaned_and_limited():
    assert audience.clean_name("  Ada\x00\x1b[31m \t Lovelace\r\n") == "Ada[31m Lovelace"
    assert len(audience.clean_name("y" * 1000)) == 100
    assert audience.clean_name("\x07") is None


def test_no_header_line_grows_past_the_limit_whatever_the_stored_name():
    for name in ("a" * 5000, "é" * 5000, 'quote " and \\ backslash ' * 200):
        header = b"To: " + format_address(name, "reader@example.org")
        assert max(len(line) for line in header.split(b"\r\n")) < 400


def test_identical_subscribes_at_once_store_one_row(make_app):
    app = make_app()
    with app.app_context():
        make_newsletter()
    start, errors = threading.Barrier(4), []

    def subscribe() -> None:
        with app.app_context():
            try:
                start.wait()
                audience.subscribe(db.session.scalars(select(Newsletter)).one(), "x@example.org")
                db.session.commit()
            except Exception as exc:  # any error is the failure this test looks for
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=subscribe) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 1


def test_a_suppressed_address_gets_no_confirmation_mail(app, runner, smtp_server, tmp_path):
    first = make_newsletter()
    audience.subscribe(first, "gone@example.org", is_confirmed=True)
    db.session.execute(update(Subscriber).values(status=SubscriberStatus.BOUNCED))
    db.session.commit()
    make_newsletter("second")
    csv_path = tmp_path / "people.csv"
    csv_path.write_text("email\ngone@example.org\nnew@example.org\n", encoding="utf-8")
    run_ok(runner, "subscribers", "import", str(csv_path), "--newsletter", "second", "--confirm")
    assert smtp_server.recipients() == ["new@example.org"]


def test_addresses_are_validated_strictly_and_idn_domains_converted():
    import pytest

    from digest.errors import InvalidInput

    for trick in ("x:victim@example.org", "victim(1)@example.org", '"a b"@example.org'):
        with pytest.raises(InvalidInput, match="not an email address"):
            audience.normalise_email(trick)
    with pytest.raises(InvalidInput, match="Internationalized characters before the @"):
        audience.normalise_email("zoë@example.org")
    assert audience.normalise_email(" Ada@Bücher.example ") == "ada@xn--bcher-kva.example"


def test_a_sender_address_with_a_colon_is_refused(runner, app):
    result = runner.invoke(
        args=["digest", "newsletter", "create", "x", "--title", "X", "--from", "a:b@example.com"]
    )
    assert result.exit_code == 1 and "not an email address" in result.output


LONGEST = "a" * 64 + "@example.org"
TOO_LONG = "a" * 65 + "@example.org"


def test_a_local_part_over_64_octets_is_refused_with_its_reason():
    assert audience.normalise_email(LONGEST) == LONGEST
    for allow_local in (False, True):
        for address in (TOO_LONG, "b" * 65 + "@localhost"):
            with pytest.raises(InvalidInput, match="more than 64 characters before the @"):
                audience.normalise_email(address, allow_local=allow_local)


def test_an_import_reports_a_local_part_over_64_octets_and_keeps_the_rest(app):
    letter = make_newsletter()
    report = audience.import_csv(letter, io.StringIO(f"email\n{TOO_LONG}\n{LONGEST}\n"), False)
    assert report.added == 1
    assert report.errors == [
        f"line 2: not an email address: '{TOO_LONG}' (more than 64 characters before the @)"
    ]
