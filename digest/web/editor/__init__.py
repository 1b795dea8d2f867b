"""Editor pages: the next edition exactly as it will be sent, shaped in place, and its sending."""

from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/editor")

from digest.web.editor import actions, sending, views  # noqa: E402,F401  (registers the routes)
