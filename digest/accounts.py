"""Accounts for the editor and admin pages: roles, creation, authentication.

Operations flush and never commit: the request or command that called them commits once.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from digest.audience import normalise_email
from digest.errors import AlreadyExists, InvalidInput, NotFound
from digest.extensions import db
from digest.links import keys_newest_last
from digest.models import User, utcnow
from digest.settings import SigningKeys

MIN_PASSWORD = 12
INVITE_MAX_AGE = 3 * 24 * 3600  # seconds an invitation link works


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
    address = normalise_email(email, allow_local=True, field="email")
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        raise AlreadyExists("user", address, field="email")
    return address


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters", field="password")


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
    """The active user with this address and password, or None (one answer for every mistake)."""
    address = (email or "").strip().lower()
    user = db.session.scalars(select(User).where(User.email == address)).first()
    hashed = user.password_hash if user is not None else _no_such_user()
    if not check_password_hash(hashed, password or "") or user is None or not user.is_active:
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
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session id issued so far stops working."""
    user.session_version += 1
    db.session.flush()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def invite_user(email: str, role: Role = Role.EDITOR) -> User:
    """An account without a password yet: its owner sets one through the invitation link."""
    address = check_new_user(email)
    user = User(
        email=address,
        password_hash=generate_password_hash(secrets.token_urlsafe(32)),  # known to nobody
        is_admin=role is Role.ADMIN,
        invited_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def _invites(keys: SigningKeys) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys_newest_last(keys), salt="digest-invite")


def _fingerprint(user: User) -> str:
    """Changes when the password does, so a link works once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def invite_token(user: User, keys: SigningKeys) -> str:
    """An invitation link's token, signed with the current key (the first of `keys`)."""
    return _invites(keys).dumps([user.id, _fingerprint(user)])


def user_of_invite(token: str, keys: SigningKeys) -> User:
    """The invited user a link names, or InvalidInput when it is forged, used or expired;
    a token signed with an old key (one of `keys` after the first) is still good."""
    try:
        user_id, fingerprint = _invites(keys).loads(token, max_age=INVITE_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        raise InvalidInput(
            "this invitation link is not valid any more; ask for a new one"
        ) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or _fingerprint(user) != fingerprint:
        raise InvalidInput("this invitation link is not valid any more; ask for a new one")
    return user


def set_password(user: User, password: str) -> None:
    """A new password (12 characters or more); every earlier session ends."""
    check_password(password)
    user.password_hash = generate_password_hash(password)
    user.invited_at = None
    end_sessions(user)


def set_role(user: User, role: Role) -> None:
    """Make a user an editor or an admin; the last active admin stays an admin."""
    if role is Role.EDITOR and user.is_admin:
        _keep_an_admin(user)
    user.is_admin = role is Role.ADMIN
    db.session.flush()


def set_active(user: User, is_active: bool) -> None:
    """Deactivate (they cannot sign in and every session ends) or reactivate a user."""
    if not is_active and user.is_admin:
        _keep_an_admin(user)
    user.is_active = is_active
    end_sessions(user)


def _keep_an_admin(leaving: User) -> None:
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.is_admin.is_(True), User.is_active.is_(True), User.id != leaving.id
        )
    )
    if not others:
        raise InvalidInput(
            f"digest needs an active admin and {leaving.email} is the last active admin: "
            "make another admin first"
        )
