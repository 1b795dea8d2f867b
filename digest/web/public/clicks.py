"""Tracked story links: count the click (digest/deliver/clicks.py), then go to the story."""

from __future__ import annotations

from flask import abort, redirect, request
from werkzeug import Response

from digest.context import current_settings
from digest.deliver.clicks import follow_link
from digest.extensions import db
from digest.links import read_click_token


def follow(token: str) -> Response:
    """302 to the story the token names in its edition's frozen snapshot; 404 for a forged or
    altered token or a story that is not there (never a redirect to anywhere else). The click
    is committed before the answer leaves: no lock outlives the request."""
    link = read_click_token(current_settings().links, token)
    if link is None:
        abort(404)
    url = follow_link(
        link.edition_id,
        link.section,
        link.story,
        method=request.method,
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        variant=link.variant,
    )
    if url is None:
        abort(404)
    db.session.commit()
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"  # each click reaches us, none is cached
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
