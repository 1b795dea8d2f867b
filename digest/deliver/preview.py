"""The edition as a subscriber sees it, for the archive, the editor and `digest preview`."""

from __future__ import annotations

from digest.deliver.compose import topic_key
from digest.edition.snapshot import make_snapshot
from digest.errors import EditionUnsendable, RenderError
from digest.links import page_url
from digest.models import Edition
from digest.render import (
    Recipient,
    RenderedMessage,
    WebReader,
    compile_edition,
    parse_snapshot,
    personalise,
    select_topics,
)
from digest.settings import Settings


def preview_message(
    edition: Edition,
    settings: Settings,
    email: str = "subscriber@example.com",
    *,
    name: str | None = None,
    topics: list[str] | None = None,
    greets_reader: bool = False,
) -> RenderedMessage:
    """Render the frozen snapshot (or, for a draft, the snapshot it would get) as the web
    archive shows it: no made-up address, a subscribe link in the footer. With `topics`, only
    the stories a reader of those topics gets; `greets_reader` greets `name` as the mail would.

    An edition that cannot render raises EditionUnsendable with the reason, never a bare error.
    """
    snapshot = edition.snapshot if edition.is_frozen else make_snapshot(edition, settings.edition)
    subscribe_url = page_url(settings.links.base_url, "subscribe", slug=edition.newsletter.slug)
    reader = WebReader(subscribe_url, greets_reader=greets_reader)
    try:
        view = select_topics(parse_snapshot(snapshot), topic_key(topics))
        compiled = compile_edition(view, web=reader)
    except RenderError as exc:
        raise EditionUnsendable(edition.id, str(exc)) from exc
    recipient = Recipient(
        email=email,
        name=name,
        unsubscribe_url=reader.subscribe_url,
        preferences_url=reader.subscribe_url,
        view_url=view.archive_url,
    )
    return personalise(compiled, recipient)
