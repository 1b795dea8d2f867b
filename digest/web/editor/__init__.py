"""Editor pages: the next edition exactly as it will be sent, shaped in place, and its sending.

The routes are in digest/web/routes.py; a view module loads on its first request.
"""

from flask import Blueprint


def blueprint() -> Blueprint:
    return Blueprint("editor", __name__, url_prefix="/editor")
