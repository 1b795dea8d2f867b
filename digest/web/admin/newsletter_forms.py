"""The newsletter form: every setting an admin changes in the browser, checked by the operation.

The form checks only what a field alone can tell (given, a whole number in its range), in our
words; the operation checks the rest, and the page shows every problem at once.
"""

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
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from digest.models import Newsletter
from digest.newsletters import LIMITS


def at_most(characters: int) -> Length:
    return Length(max=characters, message=f"Keep it to {characters} characters or fewer.")


@functools.cache
def time_zones() -> list[SelectChoice]:
    return [
        SelectChoice(zone) for zone in sorted(available_timezones()) if "/" in zone or zone == "UTC"
    ]


class WholeNumberField(IntegerField):
    """A whole number from `low` to `high`; anything else is refused in one sentence of ours
    (not WTForms' "Not a valid integer value." or "Number must be between...")."""

    def __init__(self, label: str, low: int, high: int, **kwargs) -> None:
        self.refusal = f"Write a whole number from {low} to {high}."
        kwargs["validators"] = [NumberRange(low, high, self.refusal)]
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.refusal) from None

    def pre_validate(self, form) -> None:
        if self.process_errors:  # said once: not again by the range check
            raise StopValidation()


class NewsletterForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give it a title."), at_most(200)])
    slug = StringField(
        "Slug (in links)",
        validators=[DataRequired("Give it a slug."), at_most(64)],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )
    description = TextAreaField("Description", validators=[Optional(), at_most(2000)])
    from_name = StringField("Sender name", validators=[Optional(), at_most(200)])
    from_email = EmailField("Sender address", validators=[DataRequired("Give a sender address.")])
    reply_to = EmailField("Reply-to address", validators=[Optional(), at_most(254)])
    postal_address = TextAreaField(
        "Postal address for the footer", validators=[Optional(), at_most(500)]
    )
    schedule_cron = StringField(
        "Schedule (cron: minute hour day month weekday)",
        validators=[Optional(), at_most(120)],
        render_kw={"autocapitalize": "off", "spellcheck": "false", "placeholder": "0 7 * * 1-5"},
    )
    # validate_choice=False: the operation names an unknown zone in words
    timezone = SelectField("Time zone", choices=time_zones, default="UTC", validate_choice=False)
    offers_weekly = BooleanField("Offer a weekly edition too", default=False)
    weekly_cron = StringField(
        "Weekly schedule (cron)",
        validators=[Optional(), at_most(120)],
        render_kw={"autocapitalize": "off", "spellcheck": "false", "placeholder": "0 8 * * 0"},
    )
    lookback_days = WholeNumberField("Look-back window (days)", *LIMITS["lookback_days"], default=7)
    min_stories = WholeNumberField(
        "Send only if at least this many new stories", *LIMITS["min_stories"], default=1
    )
    max_stories = WholeNumberField("Maximum stories", *LIMITS["max_stories"], default=30)
    send_mode = RadioField(
        "When an edition is built",
        choices=[
            SelectChoice("auto", "Send it automatically"),
            SelectChoice("review", "Hold it for an editor's review"),
        ],
        default="auto",
    )
    review_minutes = WholeNumberField(
        "Review window (minutes)", *LIMITS["review_minutes"], default=120
    )
    summary_sentences = SelectField(
        "Summary sentences",
        choices=[SelectChoice(n, str(n)) for n in (1, 2, 3)],
        coerce=int,
        default=2,
    )
    summary_words = WholeNumberField("Summary word budget (0: none)", 0, 200, default=55)
    orders_by_clicks = BooleanField(
        "Put the stories readers click most first in each section", default=False
    )
    show_images = BooleanField("Show images", default=True)
    tracks_clicks = BooleanField("Count clicks on story links", default=True)
    click_window_days = WholeNumberField(
        "Keep clicks for (days)", *LIMITS["click_window_days"], default=30
    )
    tracks_readers = BooleanField("Per-reader statistics", default=False)
    tracks_opens = BooleanField("Count opens (a tracking image)", default=False)
    topic_choices = TextAreaField(
        "Topics subscribers may choose (one per line; empty: every section)",
        validators=[Optional(), at_most(4000)],
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
    "orders_by_clicks",
    "send_mode",
    "review_minutes",
    "summary_sentences",
    "summary_words",
    "show_images",
    "tracks_clicks",
    "click_window_days",
    "tracks_readers",
    "tracks_opens",
    "topic_choices",
)


class ActionForm(FlaskForm):
    """A button that changes one thing (archive, pause, resume, remove, run now): CSRF only."""

    submit = SubmitField("Go")
