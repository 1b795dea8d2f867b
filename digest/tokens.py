"""Signed tokens for subscriber links (confirm, preferences, unsubscribe)."""

from __future__ import annotations

import functools
import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer

CONFIRM_MAX_AGE = 7 * 24 * 3600


@functools.lru_cache(maxsize=32)
def _signer(secret: str, purpose: str) -> Signer:
    """One signer per key and purpose, its key derived once: a send signs two links a message."""
    key = hmac.new(secret.encode(), f"digest-{purpose}".encode(), hashlib.sha256).digest()
    return Signer(key, key_derivation="none", digest_method=hashlib.sha256)


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="digest-confirm")


def make_token(purpose: str, subscription_id: int) -> str:
    """A link token naming one subscription; only confirmation links expire."""
    if purpose == "confirm":
        return _confirm_serializer().dumps(subscription_id)
    signer = _signer(current_app.config["SECRET_KEY"], purpose)
    return signer.sign(str(subscription_id).encode()).decode()


def read_token(purpose: str, token: str) -> int | None:
    """The subscription id in a token, or None when it is forged, for another purpose or expired."""
    try:
        if purpose == "confirm":
            value = _confirm_serializer().loads(token, max_age=CONFIRM_MAX_AGE)
            return value if isinstance(value, int) else None
        signer = _signer(current_app.config["SECRET_KEY"], purpose)
        value = signer.unsign(token.encode()).decode()
    except (BadSignature, UnicodeError):
        return None
    return int(value) if value.isdigit() else None


def subscriber_url(purpose: str, subscription_id: int) -> str:
    """Absolute URL of a subscriber page, from DIGEST_BASE_URL (never guessed from a request)."""
    base = current_app.config["BASE_URL"]
    return f"{base}/{purpose}/{make_token(purpose, subscription_id)}"
