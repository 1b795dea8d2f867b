"""The edition as a subscriber sees it, for the archive, the editor and `digest preview`."""

from __future__ import annotations

from digest.edition.snapshot import make_snapshot
from digest.errors import EditionUnsendable, RenderError
from digest.models import Edition
from digest.render import (
    Recipient,
    RenderedMessage,
    WebReader,
    compile_edition,
    parse_snapshot,
    personalise,
)
from digest.settings import Settings


def preview_message(
    edition: Edition, settings: Settings, email: str = "subscriber@example.com"
) -> RenderedMessage:
    """Render the frozen snapshot (or, for a draft, the snapshot it would get) as the web
    archive shows it: no made-up address, a subscribe link in the footer.

    An edition that cannot render raises EditionUnsendable with the reason, never a bare error.
    """
    snapshot = edition.snapshot if edition.is_frozen else make_snapshot(edition, settings.edition)
    base = settings.links.base_url
    reader = WebReader(subscribe_url=f"{base}/subscribe/{edition.newsletter.slug}")
    try:
        compiled = compile_edition(parse_snapshot(snapshot), web=reader)
    except RenderError as exc:
        raise EditionUnsendable(edition.id, str(exc)) from exc
    recipient = Recipient(
        email=email,
        unsubscribe_url=reader.subscribe_url,
        preferences_url=reader.subscribe_url,
        view_url=snapshot["edition"]["archive_url"],
    )
    return personalise(compiled, recipient)
