"""Web test helpers: CSRF tokens read from a page, users of each role, signing in."""

from __future__ import annotations

import re

import pytest

from digest.accounts import Role, create_user
from digest.extensions import db

PASSWORD = "correct horse battery"
EDITOR = "ed@example.org"
ADMIN = "ad@example.org"
YES = {"confirmed": "yes"}  # the answer a confirmation page posts (digest/web/confirm.py)


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def users(app) -> dict[str, str]:
    """An editor and an admin, both with PASSWORD."""
    create_user(EDITOR, PASSWORD, Role.EDITOR)
    create_user(ADMIN, PASSWORD, Role.ADMIN)
    db.session.commit()
    return {"editor": EDITOR, "admin": ADMIN}


@pytest.fixture
def sign_in(client, users):
    """sign_in("editor" | "admin", next=None) -> the login response."""

    def sign(role: str, next: str | None = None):
        url = "/admin/login" + (f"?next={next}" if next else "")
        token = csrf_of(client.get("/admin/login").get_data(as_text=True))
        data = {"csrf_token": token, "email": users[role], "password": PASSWORD}
        return client.post(url, data=data)

    return sign
