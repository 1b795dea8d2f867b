"""One spelling per article URL, so the same article arriving twice is stored once."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from digest.ingest.errors import MalformedURL

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "referrer", "ocid", "cmpid", "cmp",
        "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "smid", "smtyp", "soc_src", "soc_trk",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
        "spm", "share", "s_cid", "icid", "ncid", "sr_share", "feature", "rss", "amp",
        "outputtype", "guccounter", "guce_referrer", "guce_referrer_sig",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "oly_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_VARIANT_SUBDOMAINS = ("amp.", "m.", "mobile.")
_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute, normalised URL without tracking parameters, AMP or mobile variants.

    MalformedURL when the URL (or the base it is joined to) cannot be parsed at all.
    """
    url = url.strip()
    if base:
        url = join_url(base.strip(), url)
    parts = split_url(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: leave the URL for the fetcher to refuse
        return url
    netloc = _canonical_netloc(scheme, parts.hostname, port, parts.username, parts.password)
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def split_url(url: str) -> SplitResult:
    """urlsplit() raising MalformedURL, an IngestError, where it raises ValueError."""
    try:
        return urlsplit(url)
    except ValueError as exc:  # e.g. "http://[::1/x": an IPv6 host without its bracket
        raise MalformedURL(url, str(exc)) from None


def join_url(base: str, url: str) -> str:
    """urljoin() raising MalformedURL, an IngestError, where it raises ValueError."""
    try:
        return urljoin(base, url)
    except ValueError as exc:
        raise MalformedURL(url, str(exc)) from None


# Characters a URL may carry as they are; anything else (spaces, controls, non-ASCII) is
# percent-encoded, and an existing %XX escape is kept.
_URL_SAFE = "/:@!$&'()*+,;=?#[]~%-._"


def web_url(value: str | None) -> str | None:
    """An absolute http(s) URL safe to put in an email, or None when it cannot be one.

    Spaces and control characters are percent-encoded rather than refused, so a
    sloppy feed link (`/news/park budget`) still works. Ingest stores URLs by this
    rule and the edition's snapshot writes them by it; the renderer reads them back.
    """
    if not value:
        return None
    encoded = quote(value.strip(), safe=_URL_SAFE)
    try:
        parts = urlsplit(encoded)
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return encoded


def _canonical_netloc(
    scheme: str, host: str, port: int | None, user: str | None, password: str | None
) -> str:
    host = host.rstrip(".").lower()
    for prefix in _VARIANT_SUBDOMAINS:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    if user:
        host = f"{user}:{password}@{host}" if password else f"{user}@{host}"
    return host


def _canonical_path(path: str) -> str:
    path = quote(path, safe=_URL_SAFE)  # a space or control character is encoded, never stored
    path = _PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), path) or "/"
    if path.endswith(".amp.html"):
        path = path[: -len(".amp.html")] + ".html"
    elif path.endswith(".amp"):
        path = path[: -len(".amp")]
    trimmed = path.rstrip("/")
    if trimmed.endswith("/amp"):
        path = trimmed[: -len("/amp")] or "/"
    if path.startswith("/amp/"):
        path = path[len("/amp") :]
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not _is_tracking_param(key)
    ]
    return urlencode(sorted(pairs))


def _is_tracking_param(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)
