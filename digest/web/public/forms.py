"""Subscriber forms: subscribe and topic preferences."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from digest.audience import normalise_email
from digest.errors import InvalidInput
from digest.models import Newsletter


def an_email_address(form: FlaskForm, field: EmailField) -> None:
    """The same address rule as the audience step, reported next to the field."""
    try:
        normalise_email(field.data or "")
    except InvalidInput as exc:
        raise ValidationError("Enter an email address like name@example.org.") from exc


class SubscribeForm(FlaskForm):
    newsletter = SelectField("Newsletter", validators=[DataRequired()])
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), an_email_address],
        render_kw={"autocomplete": "email"},
    )
    name = StringField(
        "Name (optional)",
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField("Subscribe")

    def offer(self, newsletters: list[Newsletter]) -> SubscribeForm:
        """Offer these newsletters in the select; returns the form."""
        self.newsletter.choices = [(n.slug, n.title) for n in newsletters]
        return self


class PreferencesForm(FlaskForm):
    topics = StringField(
        "Topics you want (comma separated; empty means everything)",
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Save")
