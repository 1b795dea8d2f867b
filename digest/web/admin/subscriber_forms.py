"""Subscriber forms: search and filters (GET), CSV import."""

from __future__ import annotations

from typing import ClassVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SearchField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from digest.audience.search import STATUSES
from digest.models import Newsletter
from digest.web.admin.newsletter_choice import NewsletterField


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = SearchField("Address or name")
    newsletter = SelectField("Newsletter", coerce=lambda v: int(v) if v else None)
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")] + [SelectChoice(s, s) for s in STATUSES],
        default="",
    )
    submit = SubmitField("Search")

    def offer(self, letters: list[Newsletter]) -> SearchForm:
        self.newsletter.choices = [SelectChoice("", "Every newsletter")] + [
            SelectChoice(n.id, n.title) for n in letters
        ]
        return self


class ImportForm(FlaskForm):
    operation_fields: ClassVar[dict[str, str]] = {"stream": "file"}  # audience.import_csv's
    newsletter = NewsletterField()
    file = FileField("CSV file (a header row with email; name and topics optional)")
    needs_confirmation = BooleanField(
        "Send each new address a confirmation mail instead of subscribing it now"
    )
    submit = SubmitField("Import")

    def offer(self, letters: list[Newsletter], chosen: Newsletter | None = None) -> ImportForm:
        self.newsletter.offer(letters, chosen)
        return self
