"""Pages for subscribers: subscribe, confirm, preferences, one-click unsubscribe, the archive.

The routes are in digest/web/routes.py; a view module loads on its first request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, url_for

from digest.context import current_settings
from digest.links import make_token

if TYPE_CHECKING:
    from digest.models import Subscription


def blueprint() -> Blueprint:
    bp = Blueprint("public", __name__)
    bp.context_processor(reader_links)
    return bp


def reader_links() -> dict[str, object]:
    """Links a page may offer the reader it is about."""
    links = current_settings().links

    def preferences_url(subscription: Subscription) -> str:
        token = make_token(links, "preferences", subscription.id)
        return url_for("public.preferences", token=token)

    def unsubscribe_token(subscription: Subscription) -> str:
        return make_token(links, "unsubscribe", subscription.id)

    return {"preferences_url": preferences_url, "unsubscribe_token": unsubscribe_token}
