"""Admin user pages: invite an editor or admin by email, change roles, deactivate;
the invited person sets their password through a signed link that expires."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import abort, flash, redirect, render_template, url_for
from werkzeug import Response

from digest import accounts
from digest.context import current_settings, external_url
from digest.deliver.notices import Notice
from digest.errors import AlreadyExists, InvalidInput
from digest.extensions import db
from digest.models import User, utcnow
from digest.web.admin.newsletter_forms import ActionForm
from digest.web.admin.user_forms import InviteForm, PasswordForm, RoleForm
from digest.web.auth import role_required, sign_in
from digest.web.confirm import ask_first
from digest.web.errors import refuse, refused
from digest.web.mailer import queue_mail


@role_required(accounts.Role.ADMIN)
def users_page() -> str | Response | tuple[str, int]:
    """Every account with its role and state; the invitation form."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(form), 422 if form.is_submitted() else 200
    try:
        user = accounts.invite_user(form.email.data, accounts.Role(form.role.data))
    except AlreadyExists as exc:
        return _page(refuse(form, exc, "That address already has an account.")), 422
    except InvalidInput as exc:
        return _page(refuse(form, exc)), 422
    queue_mail(invitation_notice(user), "invitation")
    db.session.commit()
    flash(f"An invitation is on its way to {user.email}; its link works for three days.", "ok")
    return redirect(url_for("admin.users_page"))


def _page(form: InviteForm, refusal: str | None = None) -> str:
    """The users page; `refusal` says above the accounts why a change was not made."""
    return render_template(
        "admin/users.html",
        users=accounts.list_users(),
        form=form,
        role_form=RoleForm(),
        action=ActionForm(),
        refusal=refusal,
    )


def _refused(exc: InvalidInput) -> tuple[str, int]:
    """The users page again, with the reason (the last admin stays one) and nothing changed."""
    return _page(InviteForm(formdata=None), refused(exc)), 422


def invitation_notice(user: User) -> Notice:
    """The invitation mail, built inside the request and sent after the commit."""
    settings = current_settings()
    token = accounts.invite_token(user, settings.links.secret_key)
    link = external_url("admin.accept_invite", token=token)
    role = accounts.role_of(user).value
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = settings.delivery.mail_from
    message["To"] = user.email
    message["Subject"] = f"You are invited to digest as an {role}"
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=settings.delivery.mail_from.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"You have been given an {role} account on digest.\n\n"
        f"Choose your password here (the link works for three days, once):\n{link}\n"
    )
    return Notice(settings.delivery.mail_from, user.email, message.as_bytes())


@role_required(accounts.Role.ADMIN)
def change_role(user_id: int) -> Response | tuple[str, int]:
    user = accounts.get_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        accounts.set_role(user, accounts.Role(form.role.data))
    except InvalidInput as exc:
        return _refused(exc)
    db.session.commit()
    flash(f"{user.email} is now an {accounts.role_of(user).value}.", "ok")
    return redirect(url_for("admin.users_page"))


@role_required(accounts.Role.ADMIN)
def set_user_active(user_id: int, verb: str) -> Response | tuple[str, int]:
    """Deactivate a user (their sessions end at once) or let them back in."""
    user = accounts.get_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if verb != "reactivate":
        page = ask_first(
            f"Deactivate {user.email}?",
            "Their sessions end at once and they can no longer sign in; "
            "what they did stays. You can reactivate them later.",
            yes="Deactivate",
            back=url_for("admin.users_page"),
        )
        if page is not None:
            return page  # type: ignore[return-value]
    try:
        accounts.set_active(user, verb == "reactivate")
    except InvalidInput as exc:
        return _refused(exc)
    db.session.commit()
    flash(f"{user.email} is {'active' if user.is_active else 'deactivated'}.", "ok")
    return redirect(url_for("admin.users_page"))


def accept_invite(token: str) -> str | Response | tuple[str, int]:
    """The invited person chooses a password and is signed in with it, on their home page."""
    try:
        user = accounts.user_of_invite(token, current_settings().links.keys)
    except InvalidInput as exc:
        return render_template("admin/invite.html", error=str(exc), form=None), 410
    form = PasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("admin/invite.html", form=form, user=user, error=None), status
    accounts.set_password(user, form.password.data)
    db.session.commit()
    sign_in(user)  # a fresh session: whoever was signed in on this browser is not any more
    flash(f"Welcome to digest: your password is set and you are signed in as {user.email}.", "ok")
    return redirect(url_for("admin.dashboard" if user.is_admin else "editor.index"))
