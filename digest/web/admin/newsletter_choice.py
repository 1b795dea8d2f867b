"""The newsletter an admin form acts on (an upload, an import): chosen, never guessed.

The select starts on "Choose a newsletter" and refuses to go on without a choice, unless the
page was opened from a newsletter (`?newsletter=` its slug or id), which is then chosen.
"""

from __future__ import annotations

from flask import request
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from digest.errors import NotFound
from digest.models import Newsletter
from digest.web.routing import id_arg

PLACEHOLDER = "Choose a newsletter"


def _optional_id(value: object) -> int | None:
    return None if value in ("", None) else int(value)  # type: ignore[arg-type]


class NewsletterField(SelectField):
    """A select of newsletters with a placeholder first; no choice fails with a clear message."""

    def __init__(self, label: str = "Newsletter", **kwargs) -> None:
        kwargs.setdefault("validators", [DataRequired("Choose a newsletter.")])
        super().__init__(label, coerce=_optional_id, **kwargs)

    def offer(self, letters: list[Newsletter], chosen: Newsletter | None = None) -> None:
        """Offer these newsletters; `chosen` is selected unless the form was sent."""
        self.choices = [SelectChoice("", PLACEHOLDER)] + [
            SelectChoice(n.id, n.title) for n in letters
        ]
        if chosen is not None and self.raw_data is None:  # not sent: the page was opened
            self.data = chosen.id


def newsletter_in_view(letters: list[Newsletter]) -> Newsletter | None:
    """The newsletter the page was opened from (`?newsletter=` slug or id), if any."""
    key = request.args.get("newsletter", "")
    if not key:
        return None
    by_slug = {n.slug: n for n in letters}
    if key in by_slug:
        return by_slug[key]
    newsletter_id = id_arg(request.args, "newsletter") if key.isdigit() else None
    by_id = {n.id: n for n in letters}
    if newsletter_id not in by_id:
        raise NotFound("newsletter", key)
    return by_id[newsletter_id]
