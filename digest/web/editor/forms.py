"""Editor forms: overrides of an edition, keyword sections, and the build / approve buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from digest.models import Edition


class OverridesForm(FlaskForm):
    subject = StringField("Subject", validators=[Length(max=300)])
    intro = TextAreaField("Intro", validators=[Length(max=5000)], render_kw={"rows": 3})
    pin = SelectMultipleField("Pin", coerce=int)
    exclude = SelectMultipleField("Exclude", coerce=int)
    submit = SubmitField("Save changes")

    @classmethod
    def of(cls, edition: Edition) -> OverridesForm:
        """The form for this edition: its values on GET, the posted ones on POST."""
        form = cls(
            subject=edition.subject,
            intro=edition.intro or "",
            pin=[item.id for item in edition.items if item.is_pinned],
            exclude=[item.id for item in edition.items if item.is_excluded],
        )
        choices = [(item.id, str(item.id)) for item in edition.items]
        form.pin.choices = form.exclude.choices = choices
        return form


class SectionsForm(FlaskForm):
    sections = TextAreaField("Sections", validators=[Length(max=20000)], render_kw={"rows": 3})
    submit = SubmitField("Save sections")


class BuildForm(FlaskForm):
    submit = SubmitField("Build the next edition")


class ApproveForm(FlaskForm):
    submit = SubmitField("Approve and send")
