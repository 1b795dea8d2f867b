"""Subscriber forms: subscribe (on our pages and embedded elsewhere), confirm, preferences."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from digest.audience import normalise_email
from digest.audience.subscriptions import LOCAL_PART_LIMIT, is_local_part_too_long
from digest.errors import InvalidInput
from digest.models import Newsletter


def an_email_address(form: FlaskForm, field: EmailField) -> None:
    """The same address rule as the audience step, reported next to the field."""
    try:
        normalise_email(field.data or "")
    except InvalidInput as exc:
        if is_local_part_too_long(field.data or ""):
            message = f"The part before the @ may have at most {LOCAL_PART_LIMIT} characters."
            raise ValidationError(message) from exc
        raise ValidationError("Enter an email address like name@example.org.") from exc


class TopicsField(SelectMultipleField):
    """Topics as checkboxes; a topic the newsletter does not offer is an error on the field."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        offered = {choice.value for choice in self.choices or []}
        unknown = [value for value in self.data or [] if value not in offered]
        if unknown:
            raise ValidationError(f"Not a topic of this newsletter: {', '.join(unknown)}.")


def offer_topics(field: TopicsField, topics: list[str]) -> None:
    field.choices = [SelectChoice(topic, topic) for topic in topics]


class NewsletterSubscribeForm(FlaskForm):
    """Subscribe to one newsletter, with the topics it offers."""

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
    topics = TopicsField("Topics (none ticked: everything)", choices=[])
    submit = SubmitField("Subscribe")


class SubscribeForm(NewsletterSubscribeForm):
    """Subscribe from the general page: the newsletter is chosen in a select."""

    newsletter = SelectField("Newsletter", validators=[DataRequired()])

    def offer(self, newsletters: list[Newsletter]) -> SubscribeForm:
        """Offer these newsletters in the select; returns the form."""
        self.newsletter.choices = [SelectChoice(n.slug, n.title) for n in newsletters]
        return self


class EmbedForm(NewsletterSubscribeForm):
    """The form another site embeds: no CSRF cookie (it cannot have ours), a honeypot instead."""

    class Meta:
        csrf = False

    website = StringField("Leave this empty", validators=[Optional()])


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm my subscription")


class RenewForm(FlaskForm):
    submit = SubmitField("Send me a new link")


PAUSE_CHOICES = [
    SelectChoice("", "Keep as it is"),
    SelectChoice("1", "Pause for 1 week"),
    SelectChoice("2", "Pause for 2 weeks"),
    SelectChoice("4", "Pause for 4 weeks"),
    SelectChoice("0", "Resume now"),
]


class PreferencesForm(FlaskForm):
    topics = TopicsField("Topics (none ticked: everything)", choices=[])
    frequency = RadioField(
        "How often",
        choices=[SelectChoice("every", "Every edition"), SelectChoice("weekly", "Once a week")],
        default="every",
    )
    pause = SelectField("Pause", choices=PAUSE_CHOICES, default="")
    name = StringField(
        "Name (optional)",
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField("Save preferences")
