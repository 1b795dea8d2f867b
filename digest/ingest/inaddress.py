"""The signed address of a mail source: `in+<id>.<sig>@<inbound domain>`.

The signature is a 128-bit HMAC-SHA256 of the source id under a key derived from the app's
secret for this purpose alone, written in lower-case base32 (some servers fold local parts
to lower case); it is checked in constant time, under the current key or an old one, so an
address handed out before a key rotation keeps working. Nobody can make up the address of
a source they were not given. Light on purpose: the SMTP server reads it at every RCPT.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from digest.links import keys_newest_last
from digest.settings import Settings, SigningKeys

LOCAL = "in"
_PURPOSE = b"digest-mail-source"
_ADDRESS = re.compile(r"^in\+(\d{1,12})\.([a-z2-7]{26})@([^@\s]+)$")


def _signature(key: str, source_id: int) -> str:
    purpose_key = hmac.new(key.encode(), _PURPOSE, hashlib.sha256).digest()
    mac = hmac.new(purpose_key, str(source_id).encode(), hashlib.sha256).digest()[:16]
    return base64.b32encode(mac).decode().rstrip("=").lower()


def inbound_domain(settings: Settings) -> str:
    """DIGEST_INBOUND_DOMAIN, else the bounce address's domain, else the sender's."""
    bounce = settings.delivery.bounce_address or ""
    domain = settings.inbound.source_domain or bounce.rpartition("@")[2]
    return (domain or settings.delivery.mail_domain).lower()


def source_address(source_id: int, settings: Settings) -> str:
    """The address to subscribe other newsletters with, for one mail source."""
    keys = keys_newest_last(settings.links.keys)
    return f"{LOCAL}+{source_id}.{_signature(keys[-1], source_id)}@{inbound_domain(settings)}"


def read_source_address(address: str, settings: Settings) -> int | None:
    """The source id a signed address names, or None when it is not one, forged or for
    another domain."""
    found = _ADDRESS.match(address.strip().strip("<>").lower())
    if not found or found.group(3) != inbound_domain(settings):
        return None
    source_id = int(found.group(1))
    keys: SigningKeys = settings.links.keys
    signed = (_signature(key, source_id) for key in keys_newest_last(keys))
    return source_id if any(hmac.compare_digest(s, found.group(2)) for s in signed) else None


def looks_like_source_address(address: str) -> bool:
    """Shaped like a mail source's address (the signature is checked at RCPT)."""
    return address.strip().strip("<>").lower().startswith(f"{LOCAL}+")
