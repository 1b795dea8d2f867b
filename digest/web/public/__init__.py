"""Pages for subscribers: subscribe, confirm, preferences, one-click unsubscribe, the archive."""

from flask import Blueprint

bp = Blueprint("public", __name__)

# Each module registers its routes on bp; views first, the others use its helpers.
from digest.web.public import views  # noqa: E402,F401,I001
from digest.web.public import archive, embed, preferences  # noqa: E402,F401
