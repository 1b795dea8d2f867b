"""Where the links of a test mail lead: a page saying what the reader's own link would do."""

from __future__ import annotations

from flask import render_template, request

from digest.accounts import Role
from digest.context import current_settings
from digest.edition import lifecycle
from digest.edition.snapshot import edition_archive_url
from digest.web.auth import role_required
from digest.web.editor.preview import pick_sample


@role_required(Role.EDITOR)
def test_link(edition_id: int, kind: str) -> str:
    """An unsubscribe, preferences or browser link clicked in a test: nothing changes."""
    edition = lifecycle.get_edition(edition_id)
    sample = pick_sample(edition, request.args.get("sample"))
    whose = f"{sample.name or sample.email}’s" if sample.email else "a reader’s"
    archive = edition_archive_url(edition, current_settings().edition)
    return render_template(
        "editor/test_link.html",
        edition=edition,
        sample=sample,
        kind=kind,
        whose=whose,
        archive=archive if edition.is_frozen else None,
    )
