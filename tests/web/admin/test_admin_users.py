"""Users: invitations by email with a signed link, roles, deactivation ending sessions."""

from __future__ import annotations

import re

import pytest
from flask import g

from digest import accounts
from digest.extensions import db
from digest.models import User
from tests.web.conftest import ADMIN, EDITOR, PASSWORD, YES


@pytest.fixture
def admin(app, client, sign_in):
    sign_in("admin")
    app.config["WTF_CSRF_ENABLED"] = False
    return client


def invitation_link(smtp_server) -> str:
    body = smtp_server.wait_for(1)[-1].message.get_content()
    return re.search(r"http://digest\.test(/admin/invite/\S+)", body).group(1)


def test_an_invited_editor_sets_a_password_once_and_signs_in(admin, app, smtp_server):
    response = admin.post("/admin/users", data={"email": "New@Example.org", "role": "editor"})
    assert response.status_code == 302
    link = invitation_link(smtp_server)
    visitor = fresh(app.test_client())
    assert "new@example.org" in visitor.get(link).get_data(as_text=True)
    short = visitor.post(link, data={"password": "short", "repeat": "different"})
    assert short.status_code == 422
    page = short.get_data(as_text=True)
    assert "at least 12 characters" in page and "differ" not in page  # length first
    mismatch = visitor.post(link, data={"password": "a" * 12, "repeat": "b" * 12})
    assert "The two passwords differ" in mismatch.get_data(as_text=True)
    done = visitor.post(
        link, data={"password": "a fine new password", "repeat": "a fine new password"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/editor/"
    home = fresh(visitor).get("/editor/")  # signed in by setting the password
    assert home.status_code == 200
    assert "you are signed in as new@example.org" in home.get_data(as_text=True)
    assert fresh(visitor).get("/admin/").status_code == 403  # an editor
    assert fresh(visitor).get(link).status_code == 410  # used: the link works once
    fresh(visitor).post("/admin/logout")
    signed = fresh(visitor).post(
        "/admin/login", data={"email": "new@example.org", "password": "a fine new password"}
    )
    assert signed.status_code == 302 and fresh(visitor).get("/editor/").status_code == 200


def test_an_invited_admin_lands_on_the_admin_overview(admin, app, smtp_server):
    admin.post("/admin/users", data={"email": "boss@example.org", "role": "admin"})
    visitor = fresh(app.test_client())
    link = invitation_link(smtp_server)
    done = visitor.post(link, data={"password": "a" * 12, "repeat": "a" * 12})
    assert done.headers["Location"] == "/admin/"
    assert fresh(visitor).get("/admin/").status_code == 200


def test_an_expired_invitation_is_refused(admin, smtp_server, monkeypatch):
    admin.post("/admin/users", data={"email": "late@example.org", "role": "admin"})
    link = invitation_link(smtp_server)
    monkeypatch.setattr(accounts, "INVITE_MAX_AGE", -1)
    response = admin.get(link)
    assert response.status_code == 410 and "not valid any more" in response.get_data(as_text=True)


def fresh(client):
    """The tests share one app context, where flask-login caches the signed-in user in `g`:
    forget it, so the next request reads this client's own session."""
    g.pop("_login_user", None)
    return client


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(app, admin):
    editor = app.test_client()
    fresh(editor).post("/admin/login", data={"email": EDITOR, "password": PASSWORD})
    assert fresh(editor).get("/editor/").status_code == 200
    user_id = db.session.scalar(db.select(User.id).where(User.email == EDITOR))
    assert fresh(admin).post(f"/admin/users/{user_id}/deactivate", data=YES).status_code == 302
    assert fresh(editor).get("/editor/").status_code == 302  # their session ended
    again = fresh(editor).post("/admin/login", data={"email": EDITOR, "password": PASSWORD})
    assert again.status_code == 401


def test_roles_change_but_the_last_admin_stays(admin):
    editor_id = db.session.scalar(db.select(User.id).where(User.email == EDITOR))
    admin.post(f"/admin/users/{editor_id}/role", data={"role": "admin"})
    db.session.expire_all()
    assert db.session.get(User, editor_id).is_admin
    me = db.session.scalar(db.select(User).where(User.email == ADMIN))
    accounts.set_role(db.session.get(User, editor_id), accounts.Role.EDITOR)
    db.session.commit()
    with pytest.raises(accounts.InvalidInput, match="last active admin"):
        accounts.set_active(me, False)


def test_the_cli_checks_the_length_before_asking_again(runner):
    args = ["digest", "users", "create", "x@example.org"]
    result = runner.invoke(args=args, input="short\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert result.output.count("Password") == 1 and "Repeat" not in result.output


def test_an_invitation_to_an_address_too_long_before_the_at_is_refused(admin):
    response = admin.post("/admin/users", data={"email": "a" * 65 + "@example.org"})
    assert response.status_code == 422
    assert "more than 64 characters before the @" in response.get_data(as_text=True)
    assert {user.email for user in accounts.list_users()} == {ADMIN, EDITOR}


def test_the_last_admin_guard_answers_on_the_users_page(admin):
    me = db.session.scalar(db.select(User.id).where(User.email == ADMIN))
    for url, data in (
        (f"/admin/users/{me}/role", {"role": "editor"}),
        (f"/admin/users/{me}/deactivate", YES),
    ):
        response = admin.post(url, data=data)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert 'nav aria-label="Admin"' in page and "<h1>Users</h1>" in page  # the admin layout
        refusal = re.search(
            r'<p class="flash flash-error" role="alert" id="refusal">([^<]*)<', page
        )
        assert refusal.group(1) == (
            "Digest needs an active admin and ad@example.org is the last active admin: "
            "make another admin first."
        )
    db.session.expire_all()
    user = db.session.get(User, me)
    assert user.is_admin and user.is_active
