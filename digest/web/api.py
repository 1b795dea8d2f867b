"""JSON API: articles pushed in with a bearer token."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import select

from digest.extensions import csrf, db
from digest.ingest.files import parse_api_items
from digest.ingest.poll import import_source
from digest.ingest.store import store_articles
from digest.models import Newsletter

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


def _check_token() -> None:
    expected = current_app.config["API_TOKEN"]
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(401)


@bp.post("/articles")
def post_articles():
    """One article or a list; good items are stored, bad ones come back with their index."""
    _check_token()
    slug = request.args.get("newsletter", "")
    newsletter = db.session.scalars(select(Newsletter).where(Newsletter.slug == slug)).first()
    if newsletter is None:
        return jsonify(error=f"unknown newsletter: {slug}"), 404
    payload = request.get_json(silent=True)
    if payload is None:
        return jsonify(error="the body must be JSON"), 400
    articles, errors = parse_api_items(payload)
    result = store_articles(import_source(newsletter), articles)
    db.session.commit()
    status = 201 if articles else 400
    return jsonify(added=result.added, updated=result.updated, errors=errors), status
