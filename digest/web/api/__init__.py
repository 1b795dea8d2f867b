"""JSON API: articles pushed in with a bearer token (no cookies, so no CSRF)."""

from flask import Blueprint

from digest.web.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

from digest.web.api import views  # noqa: E402,F401  (registers the routes on bp)
