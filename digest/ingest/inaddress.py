"""The signed address of a mail source: `in+<id>.<sig>@<inbound domain>`.

The signature is a 128-bit HMAC-SHA256 of the source id under a key derived from the app's
secret for this purpose alone, written in lower-case base32 (digest.links.address_signer,
as return paths are signed); it is checked in constant time, under the current key or an old
one, so an address handed out before a key rotation keeps working. Nobody can make up the
address of a source they were not given. Light on purpose: the SMTP server reads it at every
RCPT.
"""

from __future__ import annotations

import re

from digest.links import address_signer
from digest.settings import Settings

LOCAL = "in"
_PURPOSE = "mail-source"
_ADDRESS = re.compile(r"^in\+(\d{1,12})\.([a-z2-7]{26})@([^@\s]+)$")


def inbound_domain(settings: Settings) -> str:
    """DIGEST_INBOUND_DOMAIN, else the bounce address's domain, else the sender's."""
    bounce = settings.delivery.bounce_address or ""
    domain = settings.inbound.source_domain or bounce.rpartition("@")[2]
    return (domain or settings.delivery.mail_domain).lower()


def source_address(source_id: int, settings: Settings) -> str:
    """The address to subscribe other newsletters with, for one mail source."""
    token = address_signer(settings.links.keys, _PURPOSE).sign(str(source_id)).decode()
    return f"{LOCAL}+{token}@{inbound_domain(settings)}"


def read_source_address(address: str, settings: Settings) -> int | None:
    """The source id a signed address names, or None when it is not one, forged or for
    another domain."""
    found = _ADDRESS.match(address.strip().strip("<>").lower())
    if not found or found.group(3) != inbound_domain(settings):
        return None
    source_id = int(found.group(1))
    signer = address_signer(settings.links.keys, _PURPOSE)
    return source_id if signer.verify_signature(str(source_id), found.group(2)) else None


def looks_like_source_address(address: str) -> bool:
    """Shaped like a mail source's address (the signature is checked at RCPT)."""
    return address.strip().strip("<>").lower().startswith(f"{LOCAL}+")
