"""Source forms: look at an address, add it, rename a source, upload article files."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from digest.web.admin.newsletter_choice import NewsletterField


class LookForm(FlaskForm):
    newsletter = NewsletterField()
    url = StringField(
        "Feed or page address",
        validators=[DataRequired("Give the address of a feed or a page."), Length(max=2000)],
        render_kw={"placeholder": "https://example.org/feed.xml", "inputmode": "url"},
    )
    submit = SubmitField("Look at it")


class AddSourceForm(FlaskForm):
    newsletter = HiddenField(validators=[DataRequired()])
    url = HiddenField(validators=[DataRequired(), Length(max=2000)])
    name = StringField("Name shown to admins", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Add this source")


class RenameSourceForm(FlaskForm):
    name = StringField(
        "New name",
        validators=[DataRequired("Give the source a name."), Length(max=200)],
    )
    submit = SubmitField("Rename")


def rename_form(source_id: int, name: str) -> RenameSourceForm:
    """A source's rename form, filled with its current name (not with the request's data)."""
    return RenameSourceForm(formdata=None, prefix=f"rename-{source_id}", name=name)


class MailSourceForm(FlaskForm):
    newsletter = NewsletterField()
    name = StringField(
        "Name shown to admins and readers",
        validators=[Optional(), Length(max=200)],
        description="Left empty, it takes the name of the first newsletter mailed to it.",
    )
    submit = SubmitField("Make an address")


class UploadForm(FlaskForm):
    newsletter = NewsletterField()
    files = MultipleFileField("Article files (text, HTML, JSON, .eml or a feed file)")
    submit = SubmitField("Upload")
