"""API views: articles pushed in with a bearer token."""

from __future__ import annotations

import hmac

from flask import Response, abort, current_app, jsonify, request

from digest.extensions import db
from digest.newsletters import get_newsletter

MAX_ITEMS = 500  # articles a request: a bigger batch is split by the client, not held here


def _check_token() -> None:
    expected = current_app.config["API_TOKEN"]
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(401)


def post_articles() -> tuple[Response, int]:
    """One article or a list; good items are stored, bad ones come back with their index."""
    from digest.ingest.imports import Payload, import_articles  # loads when articles arrive

    _check_token()
    newsletter = get_newsletter(request.args.get("newsletter", ""))
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        return jsonify(error="the JSON body is nested too deeply"), 400
    if payload is None:
        return jsonify(error="the body must be JSON"), 400
    if isinstance(payload, list) and len(payload) > MAX_ITEMS:
        return jsonify(error=f"send at most {MAX_ITEMS} articles a request"), 413
    result = import_articles(newsletter, [Payload(payload)])
    db.session.commit()
    errors = [{"index": r.index, "error": r.reason} for r in result.rejected]
    status = 201 if result.added + result.updated + result.unchanged else 400
    return jsonify(added=result.added, updated=result.updated, errors=errors), status
