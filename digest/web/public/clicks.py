"""Tracked story links and the open pixel: count (digest/deliver/clicks.py, opens.py), then
answer with the story or the image."""

from __future__ import annotations

from flask import abort, redirect, request
from werkzeug import Response

from digest.context import current_settings
from digest.deliver.clicks import follow_link
from digest.deliver.opens import PIXEL, record_open
from digest.deliver.readers import reader_row
from digest.extensions import db
from digest.links import read_click_token, read_open_token
from digest.models import Edition


def follow(token: str) -> Response:
    """302 to the story the token names in its edition's frozen snapshot; 404 for a forged or
    altered token or a story that is not there (never a redirect to anywhere else). The click
    is committed before the answer leaves: no lock outlives the request."""
    link = read_click_token(current_settings().links, token)
    if link is None:
        abort(404)
    delivery_id = None
    if link.delivery_id:  # per-reader statistics: the row counts only while they are on
        edition = db.session.get(Edition, link.edition_id)
        delivery_id = reader_row(edition, link.delivery_id) if edition else None
    url = follow_link(
        link.edition_id,
        link.section,
        link.story,
        method=request.method,
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        variant=link.variant,
        delivery_id=delivery_id,
    )
    if url is None:
        abort(404)
    db.session.commit()
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"  # each click reaches us, none is cached
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def opened(token: str) -> Response:
    """The 1x1 image of a mail's HTML part, counting an open when the newsletter counts them;
    404 for a forged or altered token or an edition that was never sent."""
    pixel = read_open_token(current_settings().links, token)
    edition = db.session.get(Edition, pixel.edition_id) if pixel else None
    if pixel is None or edition is None or not edition.is_frozen:
        abort(404)
    if edition.newsletter.tracks_opens and request.method == "GET":
        record_open(
            edition,
            pixel.variant,
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
            delivery_id=reader_row(edition, pixel.delivery_id),
        )
        db.session.commit()
    response = Response(PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store"  # each open reaches us, none is cached
    return response
