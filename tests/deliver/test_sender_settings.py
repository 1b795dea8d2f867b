"""The sender name, reply-to and postal address set in the admin pages are on every message."""

from __future__ import annotations

from digest import newsletters
from digest.extensions import db
from tests.support.cli import run_ok
from tests.support.pipeline import prepare_newsletter


def test_sender_name_and_reply_to_are_on_the_message(runner, smtp_server, tmp_path):
    prepare_newsletter(runner, tmp_path)
    letter = newsletters.get_newsletter("city")
    newsletters.update_newsletter(
        letter,
        from_name="The City Desk",
        reply_to="desk@example.org",
        postal_address="1 Harbour Road, Portsmouth",
    )
    db.session.commit()
    edition_id = run_ok(runner, "build", "city").strip().splitlines()[-1]
    run_ok(runner, "send", edition_id)
    message = smtp_server.wait_for(3)[0].message
    assert message["From"] == "The City Desk <news@digest.test>"
    assert message["Reply-To"] == "desk@example.org"
    html = message.get_body(("html",)).get_content()
    assert "1 Harbour Road, Portsmouth" in html
