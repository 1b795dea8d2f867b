"""Admin pages: overview, newsletters, sources, subscribers, jobs, sending and users.

The routes are in digest/web/routes.py; a view module loads on its first request.
"""

from flask import Blueprint

from digest.web.admin import filters


def blueprint() -> Blueprint:
    bp = Blueprint("admin", __name__, url_prefix="/admin")
    for name, function in filters.FILTERS.items():
        bp.add_app_template_filter(function, name)
    return bp
