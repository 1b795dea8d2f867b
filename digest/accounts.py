"""Accounts for the editor and admin pages: roles, creation, authentication.

Operations flush and never commit: the request or command that called them commits once.
"""

from __future__ import annotations

import enum
import functools

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from digest.audience import normalise_email
from digest.errors import AlreadyExists, InvalidInput
from digest.extensions import db
from digest.models import User

MIN_PASSWORD = 12


class Role(enum.StrEnum):
    EDITOR = "editor"
    ADMIN = "admin"


def role_of(user: User) -> Role:
    return Role.ADMIN if user.is_admin else Role.EDITOR


def has_role(user: User, role: Role) -> bool:
    """An admin may do everything an editor may."""
    return role is Role.EDITOR or role_of(user) is Role.ADMIN


def check_new_user(email: str) -> str:
    """The normalised address of a user that may be created, checked before any password prompt."""
    address = normalise_email(email, allow_local=True)
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        raise AlreadyExists("user", address)
    return address


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")


def create_user(email: str, password: str, role: Role = Role.EDITOR) -> User:
    address = check_new_user(email)
    check_password(password)
    user = User(
        email=address,
        password_hash=generate_password_hash(password),
        is_admin=role is Role.ADMIN,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with this address and password, or None (same answer for either mistake)."""
    address = (email or "").strip().lower()
    user = db.session.scalars(select(User).where(User.email == address)).first()
    hashed = user.password_hash if user is not None else _no_such_user()
    if not check_password_hash(hashed, password or "") or user is None:
        return None
    return user


@functools.cache
def _no_such_user() -> str:
    """Checked against when the address is unknown, so both mistakes take the same time
    (made on first use: hashing takes a tenth of a second, too long for every start-up)."""
    return generate_password_hash("no such user: this hash matches no password")


def user_for_session(session_id: str) -> User | None:
    """The user a session id (`id:version`) names, if that session has not been ended."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.session_version == int(version) else None


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session id issued so far stops working."""
    user.session_version += 1
    db.session.flush()
