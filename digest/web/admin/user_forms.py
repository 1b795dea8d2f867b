"""User forms: invite, change role, and the invited person's password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from digest.accounts import MIN_PASSWORD

ROLES = [SelectChoice("editor", "Editor"), SelectChoice("admin", "Admin")]


class InviteForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[DataRequired("Give their email address."), Length(max=254)]
    )
    role = RadioField("Role", choices=ROLES, default="editor")
    submit = SubmitField("Send the invitation")


class RoleForm(FlaskForm):
    role = RadioField("Role", choices=ROLES)
    submit = SubmitField("Change role")


class PasswordForm(FlaskForm):
    """The length is checked first, then that both fields agree."""

    password = PasswordField(
        f"New password ({MIN_PASSWORD} characters or more)",
        validators=[DataRequired("Choose a password."), Length(max=1000)],
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField("The same password again", render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Set my password")

    def validate_password(self, field) -> None:
        if len(field.data or "") < MIN_PASSWORD:
            raise ValidationError(f"A password needs at least {MIN_PASSWORD} characters.")

    def validate_repeat(self, field) -> None:
        if not self.password.errors and field.data != self.password.data:
            raise ValidationError("The two passwords differ.")
