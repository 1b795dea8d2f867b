"""WebSub (W3C Recommendation) without a database: a feed's announced hub, signed deliveries.

A publisher names its hub with rel="hub" in the HTTP Link header or in the feed itself
(<link rel="hub"> in Atom, <atom:link rel="hub"> in RSS), and the topic with rel="self".
The hub signs each delivery with the secret we gave it: X-Hub-Signature: sha256=<hex>.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from digest.ingest.canonical import join_url
from digest.ingest.errors import MalformedURL
from digest.ingest.types import ParsedFeed

# The methods WebSub section 8 names; sha1 is still what most hubs send.
SIGNATURE_METHODS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
_LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
_REL = re.compile(r"""(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.I)


@dataclass(frozen=True)
class HubLink:
    """Where to subscribe (hub) and to what (topic)."""

    hub: str
    topic: str


def announced_hub(feed: ParsedFeed, link_header: str | None, url: str) -> HubLink | None:
    """The hub and topic a fetched feed announces (the Link header first, as the spec says),
    or None when it names no usable hub; the topic defaults to the address fetched."""
    header = links_in_header(link_header or "", url)
    hub = header.get("hub") or feed.hub
    topic = header.get("self") or feed.self_url or url
    if not hub or not _is_web_url(hub) or not _is_web_url(topic):
        return None
    return HubLink(hub, topic)


def links_in_header(header: str, base: str) -> dict[str, str]:
    """The first URL for each rel of an HTTP Link header, made absolute against `base`."""
    found: dict[str, str] = {}
    for match in _LINK_VALUE.finditer(header):
        target, params = match.group(1).strip(), match.group(2)
        rel = _REL.search(params)
        if not target or rel is None:
            continue
        for name in (rel.group(1) or rel.group(2) or "").lower().split():
            absolute = _absolute(target, base)
            if absolute:
                found.setdefault(name, absolute)
    return found


def feed_link(links: list[dict], rel: str, base: str | None) -> str | None:
    """The first <link rel=...> of a feed document, made absolute against the feed's URL."""
    for link in links:
        if str(link.get("rel", "")).lower() == rel and link.get("href"):
            return _absolute(str(link["href"]).strip(), base or "")
    return None


def is_signed_by(secret: str, body: bytes, header: str | None) -> bool:
    """Whether an X-Hub-Signature header is the HMAC of the body under our secret; compared
    in constant time, and False for a missing header or a method WebSub does not name."""
    method, _, given = (header or "").strip().partition("=")
    digest = SIGNATURE_METHODS.get(method.strip().lower())
    if digest is None or not given.strip():
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest().encode()
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))


def _absolute(href: str, base: str) -> str | None:
    try:
        return join_url(base, href) if base else href
    except MalformedURL:
        return None


def _is_web_url(url: str) -> bool:
    return url.startswith(("http://", "https://")) and len(url) <= 2000
