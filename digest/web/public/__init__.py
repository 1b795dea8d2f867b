"""Pages for subscribers: subscribe, confirm, preferences, one-click unsubscribe, the archive."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from digest.web.public import views  # noqa: E402,F401  (registers the routes on bp)
