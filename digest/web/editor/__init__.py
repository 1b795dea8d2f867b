"""Editor pages: the next edition as it will be sent, with pin / exclude / subject, and approval."""

from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/editor")

from digest.web.editor import views  # noqa: E402,F401  (registers the routes on bp)
