"""Security headers on every response: a strict CSP, no framing, no sniffing, a quiet referrer."""

from __future__ import annotations

from flask import Flask, Response, request

# Our own pages: scripts and styles only from files this app serves, nothing inline.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# A rendered email (inline styles are how email is written): no scripts, no forms, remote
# images only. `frame_ancestors` says who may frame it: 'self' for the editor's preview.
MESSAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors {frame_ancestors}"
)


def register(app: Flask) -> None:
    """Add the headers to every response (the cookie flags are set in config.py)."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """A view that set its own policy (a framed email preview) keeps it."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def message_response(body: str, *, framable: bool = False, mimetype: str = "text/html") -> Response:
    """A rendered email served as a page: sandboxed, and framable by this site only if asked."""
    response = Response(body, mimetype=mimetype)
    ancestors = "'self'" if framable else "'none'"
    response.headers["Content-Security-Policy"] = MESSAGE_POLICY.format(frame_ancestors=ancestors)
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if framable else "DENY"
    return response
