"""Sign-in: roles, a `next` that stays on this site, a fresh session."""

from __future__ import annotations

import pytest

from digest.web.auth import is_safe_next
from tests.support.factories import make_newsletter


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/editor/",
        "http:/editor/",
        "javascript:alert(1)",
        "editor/",
        "",
        "/editor/\r\nSet-Cookie: x=1",
        "\t//evil.example",
    ],
)
def test_an_unsafe_next_is_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/editor/", "/editor/edition/3?tab=preview"])
def test_a_path_on_this_site_is_a_safe_next(target):
    assert is_safe_next(target)


def test_sign_in_follows_a_safe_next(sign_in):
    response = sign_in("editor", next="/editor/edition/1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/edition/1"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_sign_in_ignores_an_unsafe_next(sign_in, target):
    response = sign_in("editor", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/editor/"


def test_an_anonymous_visitor_is_sent_to_sign_in_with_next(client, app):
    response = client.get("/editor/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/editor/?x%3D1"


def test_sign_in_starts_a_new_session(client, sign_in):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in("editor")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_an_editor_may_edit_but_not_administer(client, sign_in):
    make_newsletter()
    sign_in("editor")
    assert client.get("/editor/").status_code == 200
    assert client.get("/admin/").status_code == 403
    assert b"You may not see this page" in client.get("/admin/").data


def test_an_admin_may_do_both(client, sign_in):
    make_newsletter()
    sign_in("admin")
    assert client.get("/editor/").status_code == 200
    assert client.get("/admin/").status_code == 200
