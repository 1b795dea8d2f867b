"""JSON API: articles pushed in with a bearer token (no cookies, so no CSRF).

The routes are in digest/web/routes.py; a view module loads on its first request.
"""

from flask import Blueprint

from digest.web.extensions import csrf


def blueprint() -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api")
    csrf.exempt(bp)
    return bp
