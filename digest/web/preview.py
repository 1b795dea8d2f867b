"""The edition as a subscriber sees it, for the archive, the editor and `preview`."""

from __future__ import annotations

from flask import current_app

from digest.models import Edition
from digest.render import Recipient, RenderedMessage, compile_edition, parse_snapshot, personalise


def preview_message(edition: Edition, email: str = "subscriber@example.com") -> RenderedMessage:
    """Render the edition's snapshot with neutral personal links (nobody's real token)."""
    from digest.edition import make_snapshot

    snapshot = edition.snapshot if edition.is_frozen else make_snapshot(edition)
    base = current_app.config["BASE_URL"]
    compiled = compile_edition(parse_snapshot(snapshot))
    recipient = Recipient(
        email=email,
        unsubscribe_url=f"{base}/subscribe",
        preferences_url=f"{base}/subscribe",
        view_url=snapshot["edition"]["archive_url"],
    )
    return personalise(compiled, recipient)
