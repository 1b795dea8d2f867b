"""Every page carries a strict CSP and the framing, sniffing and referrer headers."""

from __future__ import annotations

import re

from tests.support.factories import make_edition, make_newsletter


def test_pages_forbid_inline_script_framing_and_sniffing(client):
    for path in ("/", "/subscribe", "/admin/login", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # plain http in tests


def test_hsts_only_over_https(client):
    headers = client.get("/", base_url="https://digest.example").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/subscribe", "/admin/login", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert "<style" not in page and " style=" not in page, path


def test_session_cookie_stays_on_this_site(client):
    response = client.get("/admin/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_editor_preview_is_framable_by_this_site_only(client, sign_in):
    edition = make_edition(make_newsletter(), items=2)
    sign_in("editor")
    response = client.get(f"/editor/edition/{edition.id}/preview.html")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "script-src" not in policy
    assert "default-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
