"""The double opt-in mail: a text part and an HTML part in the newsletter's style, the reader
greeted by name when known, the postal address as in the digest's footer."""

from __future__ import annotations

import re

import pytest

from digest.extensions import db
from tests.support.cli import run_ok
from tests.support.factories import make_newsletter

POSTAL = "Riverside Media\n1 Quay Street\nRiverside"


@pytest.fixture
def cli(make_app):
    app = make_app(postal_address=POSTAL)
    with app.app_context():
        yield app.test_cli_runner()


def import_with_confirm(cli, tmp_path, rows: str):
    path = tmp_path / "people.csv"
    path.write_text(f"email,name\n{rows}", encoding="utf-8")
    run_ok(cli, "subscribers", "import", str(path), "--newsletter", "city", "--confirm")


def test_the_confirmation_has_an_html_part_greeting_the_reader_with_the_postal_address(
    cli, smtp_server, tmp_path
):
    make_newsletter(title="City Digest")
    import_with_confirm(cli, tmp_path, "ann@example.org,Ann <b>Lee</b>\n")
    mail = smtp_server.wait_for(1)[0]
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Confirm your subscription to City Digest"
    text, html = mail.text, message.get_body(("html",)).get_content()
    link = re.search(r"http://digest\.test/confirm/\S+", text).group(0)
    assert text.startswith("Hi Ann <b>Lee</b>,\n\n")
    assert text.endswith(f"-- \nCity Digest\n{POSTAL}\n")
    assert "Hi Ann &lt;b&gt;Lee&lt;/b&gt;," in html and "<b>Lee" not in html
    assert f'href="{link}"' in html and "Confirm my subscription" in html
    assert "Riverside Media<br />1 Quay Street<br />Riverside" in html
    assert "#f2f3f5" in html and "prefers-color-scheme: dark" in html  # the digest's style


def test_a_reader_without_a_name_is_greeted_plainly_and_the_newsletters_address_wins(
    cli, smtp_server, tmp_path
):
    newsletter = make_newsletter(title="City Digest")
    newsletter.postal_address = "City Hall, Townsville"
    db.session.commit()
    import_with_confirm(cli, tmp_path, "bob@example.org,\n")
    mail = smtp_server.wait_for(1)[0]
    assert mail.text.startswith("Hello,\n\nSomeone (hopefully you) asked to receive City Digest")
    assert mail.text.endswith("-- \nCity Digest\nCity Hall, Townsville\n")
    assert "City Hall, Townsville" in mail.message.get_body(("html",)).get_content()
    assert "Quay Street" not in mail.text
