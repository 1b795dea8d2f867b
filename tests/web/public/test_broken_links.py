"""A link from a mail that does not work says what it was for and what to do, not "not found"."""

from __future__ import annotations

import pytest

from digest import audience
from digest.extensions import db
from digest.links import make_token
from tests.support.factories import make_newsletter, settings_of


@pytest.mark.parametrize(
    ("purpose", "says"),
    [
        ("confirm", "This confirmation link is incomplete"),
        ("preferences", "This preferences link is incomplete"),
        ("unsubscribe", "This unsubscribe link is incomplete"),
    ],
)
def test_a_link_cut_short_by_a_mail_program_says_what_to_do(app, client, purpose, says):
    subscription = audience.subscribe(make_newsletter(), "reader@example.org", is_confirmed=True)
    db.session.commit()
    token = make_token(settings_of(app).links, purpose, subscription.id)
    for broken in (token[:-5], "garbage"):
        answer = client.get(f"/{purpose}/{broken}")
        page = answer.get_data(as_text=True)
        assert answer.status_code == 404
        assert says in page
        assert "spelling" not in page  # Werkzeug's own words for a mistyped address
