"""Admin pages: sign-in, newsletters, sources with their health, job history, delivery progress."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from digest.web.admin import health, views  # noqa: E402,F401  (registers the routes on bp)
