"""Helpers for the subscriber page tests: a newsletter with topics, links, form posts."""

from __future__ import annotations

import re

from digest.extensions import db
from digest.links import make_token
from digest.models import Newsletter
from tests.support.factories import settings_of
from tests.web.conftest import csrf_of

TOPICS = ["Sport", "Science", "Transport"]


def topic_newsletter(**fields) -> Newsletter:
    letter = Newsletter(
        slug="city",
        title="City Digest",
        description="What happened in the city, every morning.",
        from_email="news@digest.test",
        topic_choices=list(TOPICS),
        **fields,
    )
    db.session.add(letter)
    db.session.commit()
    return letter


def link(app, purpose: str, subscription_id: int) -> str:
    return f"/{purpose}/{make_token(settings_of(app).links, purpose, subscription_id)}"


def post_form(client, url: str, data: dict, page_url: str | None = None):
    """GET the page (for its CSRF token), then POST the form with data."""
    token = csrf_of(client.get(page_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def confirm_link_in(received) -> str:
    body = received.text
    return re.search(r"http://digest\.test(/confirm/\S+)", body).group(1)


def without_csrf(page: bytes) -> bytes:
    return re.sub(rb'name="csrf_token"[^>]*value="[^"]+"', b"", page)
