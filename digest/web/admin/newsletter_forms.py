"""The newsletter form: every setting an admin changes in the browser, checked by the operation."""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from digest.models import Newsletter


@functools.cache
def time_zones() -> list[SelectChoice]:
    return [
        SelectChoice(zone) for zone in sorted(available_timezones()) if "/" in zone or zone == "UTC"
    ]


class NewsletterForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give it a title."), Length(max=200)])
    slug = StringField(
        "Slug (in links)",
        validators=[DataRequired("Give it a slug."), Length(max=64)],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    from_name = StringField("Sender name", validators=[Optional(), Length(max=200)])
    from_email = EmailField("Sender address", validators=[DataRequired("Give a sender address.")])
    reply_to = EmailField("Reply-to address", validators=[Optional(), Length(max=254)])
    postal_address = TextAreaField(
        "Postal address for the footer", validators=[Optional(), Length(max=500)]
    )
    schedule_cron = StringField(
        "Schedule (cron: minute hour day month weekday)",
        validators=[Optional(), Length(max=120)],
        render_kw={"autocapitalize": "off", "spellcheck": "false", "placeholder": "0 7 * * 1-5"},
    )
    timezone = SelectField("Time zone", choices=time_zones, default="UTC")
    offers_weekly = BooleanField("Offer a weekly edition too", default=False)
    weekly_cron = StringField(
        "Weekly schedule (cron)",
        validators=[Optional(), Length(max=120)],
        render_kw={"autocapitalize": "off", "spellcheck": "false", "placeholder": "0 8 * * 0"},
    )
    lookback_days = IntegerField(
        "Look-back window (days)", default=7, validators=[NumberRange(1, 90)]
    )
    min_stories = IntegerField(
        "Send only if at least this many new stories", default=1, validators=[NumberRange(0, 100)]
    )
    max_stories = IntegerField("Maximum stories", default=30, validators=[NumberRange(1, 200)])
    send_mode = RadioField(
        "When an edition is built",
        choices=[
            SelectChoice("auto", "Send it automatically"),
            SelectChoice("review", "Hold it for an editor's review"),
        ],
        default="auto",
    )
    review_minutes = IntegerField(
        "Review window (minutes)", default=120, validators=[NumberRange(0, 10080)]
    )
    summary_sentences = SelectField(
        "Summary sentences",
        choices=[SelectChoice(n, str(n)) for n in (1, 2, 3)],
        coerce=int,
        default=2,
    )
    summary_words = IntegerField(
        "Summary word budget (0: none)", default=55, validators=[NumberRange(0, 200)]
    )
    show_images = BooleanField("Show images", default=True)
    topic_choices = TextAreaField(
        "Topics subscribers may choose (one per line; empty: every section)",
        validators=[Optional(), Length(max=4000)],
    )
    submit = SubmitField("Save newsletter")

    @classmethod
    def of(cls, newsletter: Newsletter) -> NewsletterForm:
        form = cls(obj=newsletter)
        if not form.is_submitted():
            form.topic_choices.data = "\n".join(newsletter.topic_choices or [])
            form.summary_words.data = newsletter.summary_words or 0
        return form

    def settings(self) -> dict:
        """The values for newsletters.update_newsletter."""
        data = {name: self[name].data for name in SETTING_FIELDS}
        data["slug"] = (data["slug"] or "").strip()
        return data


SETTING_FIELDS = (
    "title",
    "slug",
    "description",
    "from_name",
    "from_email",
    "reply_to",
    "postal_address",
    "schedule_cron",
    "timezone",
    "offers_weekly",
    "weekly_cron",
    "lookback_days",
    "min_stories",
    "max_stories",
    "send_mode",
    "review_minutes",
    "summary_sentences",
    "summary_words",
    "show_images",
    "topic_choices",
)


class ActionForm(FlaskForm):
    """A button that changes one thing (archive, pause, resume, remove, run now): CSRF only."""

    submit = SubmitField("Go")
