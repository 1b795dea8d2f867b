"""Tracked story links: count the click (digest/deliver/clicks.py), then go to the story."""

from __future__ import annotations

from flask import abort, redirect, request
from werkzeug import Response

from digest.context import current_settings
from digest.deliver.clicks import record_click, story_url
from digest.extensions import db
from digest.links import read_click_token
from digest.models import Edition


def follow(token: str) -> Response:
    """302 to the story the token names in its edition's frozen snapshot; 404 for a forged or
    altered token or a story that is not there (never a redirect to anywhere else)."""
    link = read_click_token(current_settings().links, token)
    edition = db.session.get(Edition, link.edition_id) if link else None
    url = story_url(edition, link.section, link.story) if link and edition else None
    if url is None or link is None or edition is None:
        abort(404)
    if edition.newsletter.tracks_clicks:
        record_click(
            edition,
            link.section,
            link.story,
            method=request.method,
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
            variant=link.variant,
        )
        db.session.commit()
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"  # each click reaches us, none is cached
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
