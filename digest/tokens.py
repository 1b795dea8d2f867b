"""Signed tokens for subscriber links (confirm, preferences, unsubscribe)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_MAX_AGE = 7 * 24 * 3600


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"digest-{purpose}")


def make_token(purpose: str, subscription_id: int) -> str:
    """A link token naming one subscription; unsubscribe links never expire."""
    if purpose == "confirm":
        timed = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="digest-confirm")
        return timed.dumps(subscription_id)
    return _serializer(purpose).dumps(subscription_id)


def read_token(purpose: str, token: str) -> int | None:
    """The subscription id in a token, or None when it is forged, for another purpose or expired."""
    try:
        if purpose == "confirm":
            timed = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="digest-confirm")
            value = timed.loads(token, max_age=CONFIRM_MAX_AGE)
        else:
            value = _serializer(purpose).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def subscriber_url(purpose: str, subscription_id: int) -> str:
    """Absolute URL of a subscriber page, from DIGEST_BASE_URL (never guessed from a request)."""
    base = current_app.config["BASE_URL"]
    return f"{base}/{purpose}/{make_token(purpose, subscription_id)}"
