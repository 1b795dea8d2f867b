"""Who may see a page: the signed-in user, their role, and where sign-in may send them next."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from digest.accounts import Role, end_sessions, has_role
from digest.extensions import db
from digest.models import User

P = ParamSpec("P")
R = TypeVar("R")


def role_required(role: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Anonymous visitors go to sign-in; a signed-in user without `role` gets 403."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return redirect(url_for("admin.login", next=this_path()))  # type: ignore[return-value]
            if not has_role(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def sign_in(user: User) -> None:
    """Sign in on a fresh session: nothing a visitor had before (or was given) carries over."""
    clear_session()
    login_user(user)


def sign_out() -> None:
    """End every session of the user (a copied cookie stops working too), then this one."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    clear_session()


def clear_session() -> None:
    """Empty the session, and forget this request's CSRF token that lived in it."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def this_path() -> str:
    """The path and query of the current request, as a `next` for sign-in."""
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def is_safe_next(target: str | None) -> bool:
    """True only for a path on this site: `/...`, never `//host`, a scheme or a backslash."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
