"""Admin pages: overview, newsletters, sources, subscribers, jobs, sending and users."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module registers its routes on bp.
from digest.web.admin import (  # noqa: E402,F401
    filters,
    health,
    job_pages,
    newsletter_pages,
    sending_pages,
    source_pages,
    subscriber_pages,
    user_pages,
    views,
)  # noqa: E402,F401
