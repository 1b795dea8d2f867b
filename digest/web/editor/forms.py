"""Editor forms: one small form per change, so each is saved at once and on its own."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class TextsForm(FlaskForm):
    subject = StringField("Subject", validators=[Length(max=300)])
    preheader = StringField(
        "Preheader",
        validators=[Length(max=300)],
        description="Inbox preview text after the subject",
    )
    intro = TextAreaField(
        "Intro",
        validators=[Length(max=5000)],
        render_kw={"rows": 4},
        description="Blank lines start a new paragraph; web addresses become links",
    )
    submit = SubmitField("Save texts")


class SubjectTestForm(FlaskForm):
    lines = TextAreaField(
        "Other subject lines",
        validators=[Length(max=1000)],
        render_kw={"rows": 3},
        description="One to three, one a line; leave empty for no test",
    )
    share = IntegerField(
        "Test on",
        validators=[InputRequired(), NumberRange(min=5, max=50)],
        description="percent of readers, split evenly between the lines (5 to 50)",
    )
    minutes = IntegerField(
        "Choose the winner after",
        validators=[InputRequired(), NumberRange(min=15, max=1440)],
        description="minutes (15 to 1440), or earlier when one line is clearly ahead",
    )
    submit = SubmitField("Save subject test")


class ChooseLineForm(FlaskForm):
    line = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=3)])


class StoryForm(FlaskForm):
    headline = StringField("Headline", validators=[Length(max=500)])
    summary = TextAreaField("Summary", validators=[Length(max=2000)], render_kw={"rows": 4})
    submit = SubmitField("Save story")


class FlagForm(FlaskForm):
    """One button: pin, unpin, exclude, include, up, down or restore."""

    action = HiddenField(validators=[DataRequired()])


class SectionMoveForm(FlaskForm):
    section = StringField("Move to section", validators=[InputRequired(), Length(max=200)])
    submit = SubmitField("Move")


class RenameForm(FlaskForm):
    old = HiddenField(validators=[InputRequired()])
    new = StringField("Section name", validators=[InputRequired(), Length(max=200)])
    submit = SubmitField("Rename")


class OrderForm(FlaskForm):
    section = HiddenField(validators=[InputRequired()])
    ids = SelectMultipleField(coerce=int, validate_choice=False)


class SummaryLengthForm(FlaskForm):
    sentences = SelectField(
        "Sentences per summary", coerce=int, choices=[SelectChoice(n, str(n)) for n in (1, 2, 3)]
    )
    words = IntegerField(
        "Word budget",
        validators=[Optional(), NumberRange(min=0, max=200)],
        description="10 to 200 words, or 0 for no budget",
    )
    submit = SubmitField("Apply to this newsletter")


class SectionsForm(FlaskForm):
    sections = TextAreaField("Sections", validators=[Length(max=20000)], render_kw={"rows": 3})
    submit = SubmitField("Save sections")


class BuildForm(FlaskForm):
    submit = SubmitField("Build the next edition")


class ActionForm(FlaskForm):
    """A button with nothing to fill in: approve, hold, cancel, send now, edit again, test."""

    sample = HiddenField()
