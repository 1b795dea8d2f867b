"""The web pages' own Flask extensions: CSRF protection and sign-in.

digest.web.register() initialises them; the CLI, jobs and workers build the app without the
web pages' forms and views, which load with the first request that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_wtf import CSRFProtect

if TYPE_CHECKING:
    from digest.models import User

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "admin.login"  # anonymous visitors of a protected page sign in


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user a session cookie names, or None once that session was ended at sign-out."""
    from digest.accounts import user_for_session  # with the models, on the first signed-in page

    return user_for_session(user_id)
