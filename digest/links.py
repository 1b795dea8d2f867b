"""Signed subscriber links (confirm, preferences, unsubscribe), made without Flask.

A token names one subscription. Only confirmation links expire; the others
stay valid as long as the secret key does, as RFC 8058 one-click links must: after a key
change, the old key in DIGEST_SECRET_KEY_FALLBACKS keeps them working, while every new
token is signed with the new key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes

from digest.settings import LinkSettings, SigningKeys

CONFIRM_MAX_AGE = 7 * 24 * 3600
PURPOSES = ("confirm", "preferences", "unsubscribe")

# The pages mail links to, in Werkzeug's rule syntax. The web's route table
# (digest/web/routes.py) serves exactly these rules, so the steps that compose mail without
# Flask fill them in with page_url() and no path is written twice.
PAGE_RULES = {
    "confirm": "/confirm/<token>",
    "preferences": "/preferences/<token>",
    "unsubscribe": "/unsubscribe/<token>",
    "subscribe": "/subscribe/<slug>",
    "archive": "/archive/<slug>/<int:edition_id>",
    "click": "/c/<token>",
    "open": "/o/<token>",
}
_PAGE_FORMATS = {
    page: re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule) for page, rule in PAGE_RULES.items()
}


def keys_newest_last(keys: SigningKeys) -> list[str]:
    """Our keys (current first) in itsdangerous' order: it signs with the last key and
    verifies with each, from the last back."""
    return [keys] if isinstance(keys, str) else list(reversed(keys))


@functools.lru_cache(maxsize=32)
def _signer(keys: tuple[str, ...], purpose: str) -> Signer:
    """One signer per set of keys and purpose, its keys derived once: a send signs two links a
    message."""
    derived = [
        hmac.new(key.encode(), f"digest-{purpose}".encode(), hashlib.sha256).digest()
        for key in keys_newest_last(keys)
    ]
    return Signer(derived, key_derivation="none", digest_method=hashlib.sha256)


ADDRESS_MAC_BYTES = 16


class AddressSigner(Signer):
    """A Signer whose signature fits a mail address's local part: a 128-bit HMAC-SHA256 in
    lower-case base32 (some servers fold local parts to lower case), checked in constant
    time under the current key or any old one."""

    def get_signature(self, value: str | bytes) -> bytes:
        return self._signature(self.secret_key, value)

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        """True when the current key, or any old one, made this signature."""
        sig = want_bytes(sig).lower()
        keys = reversed(self.secret_keys)
        return any(hmac.compare_digest(sig, self._signature(key, value)) for key in keys)

    def _signature(self, key: bytes, value: str | bytes) -> bytes:
        mac = self.algorithm.get_signature(key, want_bytes(value))[:ADDRESS_MAC_BYTES]
        return base64.b32encode(mac).rstrip(b"=").lower()


@functools.lru_cache(maxsize=16)
def address_signer(keys: SigningKeys, purpose: str) -> AddressSigner:
    """The signer of mail addresses (and Message-IDs) for one purpose, under its own key
    derived from each of ours: `sign("42")` is `42.<26 letters and digits>`."""
    derived = [
        hmac.new(key.encode(), f"digest-{purpose}".encode(), hashlib.sha256).digest()
        for key in keys_newest_last(keys)
    ]
    return AddressSigner(derived, key_derivation="none", digest_method=hashlib.sha256)


def fast_signer(links: LinkSettings, purpose: str) -> Callable[[str], str]:
    """Signs values for a purpose exactly as its Signer does, at a fraction of the cost per
    call: every message carries two signed links, and per-reader statistics sign every story
    link of every message."""
    return _fast_signer(links.keys, purpose)


@functools.lru_cache(maxsize=32)
def _fast_signer(keys: tuple[str, ...], purpose: str) -> Callable[[str], str]:
    key = _signer(keys, purpose).derive_key()
    # HMAC-SHA256 (RFC 2104) with its two padded keys hashed once, each value two copies; the
    # derived key is a 32-byte digest, shorter than the 64-byte block, so it is padded as is.
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key.ljust(64, b"\0")))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key.ljust(64, b"\0")))

    def sign(value: str) -> str:
        step = inner.copy()
        step.update(value.encode())
        mac = outer.copy()
        mac.update(step.digest())
        return f"{value}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"

    return sign


def _confirm_serializer(keys: tuple[str, ...]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys_newest_last(keys), salt="digest-confirm")


def make_token(links: LinkSettings, purpose: str, subscription_id: int) -> str:
    """A link token naming one subscription, signed with the current key."""
    if purpose == "confirm":
        return _confirm_serializer(links.keys).dumps(subscription_id)
    return _fast_signer(links.keys, purpose)(str(subscription_id))


def read_token(links: LinkSettings, purpose: str, token: str) -> int | None:
    """The subscription id in a token, or None when it is forged, for another purpose or expired."""
    try:
        if purpose == "confirm":
            value = _confirm_serializer(links.keys).loads(token, max_age=CONFIRM_MAX_AGE)
            return value if isinstance(value, int) else None
        value = _signer(links.keys, purpose).unsign(token.encode()).decode()
    except (BadSignature, UnicodeError):
        return None
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class StoryLink:
    """What a tracked story link names: an edition, and a story by its section and place in
    the edition's frozen snapshot (so the target is never taken from the link itself); the
    subject line the mail carried (`variant`, 0 without a subject test); and the delivery row
    only when the newsletter keeps per-reader statistics (`delivery_id`, else None)."""

    edition_id: int
    section: int
    story: int
    variant: int = 0
    delivery_id: int | None = None


def click_token(
    links: LinkSettings,
    edition_id: int,
    section: int,
    story: int,
    variant: int = 0,
    delivery_id: int | None = None,
) -> str:
    """A tracked story link's token, signed with the current key. It reads
    edition-section-story[-variant[-delivery]], the parts left out being 0 and none."""
    parts = [edition_id, section, story]
    if variant or delivery_id:
        parts.append(variant)
    if delivery_id:
        parts.append(delivery_id)
    value = "-".join(str(part) for part in parts)
    return _signer(links.keys, "click").sign(value.encode()).decode()


def read_click_token(links: LinkSettings, token: str) -> StoryLink | None:
    """The story a token names, or None when it is forged or altered."""
    try:
        value = _signer(links.keys, "click").unsign(token.encode()).decode()
    except (BadSignature, UnicodeError):
        return None
    parts = value.split("-")
    if not 3 <= len(parts) <= 5 or not all(p.isdigit() and len(p) <= 12 for p in parts):
        return None
    edition_id, section, story, *rest = (int(part) for part in parts)
    variant = rest[0] if rest else 0
    delivery_id = rest[1] if len(rest) > 1 and rest[1] else None
    return StoryLink(edition_id, section, story, variant, delivery_id)


@dataclass(frozen=True)
class OpenPixel:
    """What an open pixel names: an edition, the subject line its mail carried, and the
    delivery row only when the newsletter keeps per-reader statistics."""

    edition_id: int
    variant: int = 0
    delivery_id: int | None = None


def open_token(
    links: LinkSettings, edition_id: int, variant: int = 0, delivery_id: int | None = None
) -> str:
    """An open pixel's token, signed with the current key: edition-variant[-delivery]."""
    parts = [edition_id, variant] + ([delivery_id] if delivery_id else [])
    value = "-".join(str(part) for part in parts)
    return _signer(links.keys, "open").sign(value.encode()).decode()


def read_open_token(links: LinkSettings, token: str) -> OpenPixel | None:
    """The edition a pixel's token names, or None when it is forged or altered."""
    try:
        value = _signer(links.keys, "open").unsign(token.encode()).decode()
    except (BadSignature, UnicodeError):
        return None
    parts = value.split("-")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() and len(p) <= 12 for p in parts):
        return None
    edition_id, variant, *rest = (int(part) for part in parts)
    return OpenPixel(edition_id, variant, rest[0] if rest and rest[0] else None)


@dataclass(frozen=True)
class ConfirmLink:
    """What a genuine confirmation link says: whose, when it was made, whether it is too old."""

    subscription_id: int
    issued_at: datetime
    is_expired: bool


def read_confirm_link(links: LinkSettings, token: str) -> ConfirmLink | None:
    """A confirmation link, expired or not; None when it is forged or names no subscription."""
    serializer = _confirm_serializer(links.keys)
    try:
        value, issued_at = serializer.loads(token, max_age=CONFIRM_MAX_AGE, return_timestamp=True)
        is_expired = False
    except SignatureExpired as expired:
        value, issued_at, is_expired = expired.payload, expired.date_signed, True
        try:
            value = serializer.load_payload(value)
        except BadSignature:
            return None
    except (BadSignature, UnicodeError):
        return None
    if not isinstance(value, int) or isinstance(value, bool) or issued_at is None:
        return None
    return ConfirmLink(value, issued_at, is_expired)


def page_url(base_url: str, page: str, **values: object) -> str:
    """Absolute URL of a page mail links to (a key of PAGE_RULES), on DIGEST_BASE_URL."""
    return base_url + _PAGE_FORMATS[page].format(**values)


def subscriber_url(links: LinkSettings, purpose: str, subscription_id: int) -> str:
    """Absolute URL of a subscriber page, from DIGEST_BASE_URL (never guessed from a request)."""
    return page_url(links.base_url, purpose, token=make_token(links, purpose, subscription_id))


def archive_url(base_url: str, newsletter_slug: str, edition_id: int) -> str:
    return page_url(base_url, "archive", slug=newsletter_slug, edition_id=edition_id)
