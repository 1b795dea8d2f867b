"""The edition as a subscriber sees it, for the archive, the editor and `digest preview`."""

from __future__ import annotations

from collections.abc import Iterable

from digest.deliver.compose import NothingToSend, TopicKey, reader_view, topic_key
from digest.deliver.dispatch import composer_for
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
    snapshot = _snapshot_of(edition, settings)
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


def reader_message(
    edition: Edition, settings: Settings, recipient: Recipient, topics: list[str] | None
) -> RenderedMessage:
    """The edition as delivery renders it for one reader: her stories, her greeting and her
    footer (her address, her links, the postal address), from the snapshot it is (or would be)
    released with. EditionUnsendable if it cannot render; NothingToSend when her stories are
    none, as delivery would skip her."""
    composer = composer_for(edition, _snapshot_of(edition, settings), settings)
    key = topic_key(topics)
    template = composer.template_for(key)
    if template is None:
        raise NothingToSend(key)
    return personalise(template.compiled, recipient)


def topic_sets_without_stories(
    edition: Edition, settings: Settings, topic_sets: Iterable[list[str] | None]
) -> set[TopicKey]:
    """The topic sets whose reader gets no story from this edition: delivery skips her row."""
    try:
        view = parse_snapshot(_snapshot_of(edition, settings))
    except RenderError:
        return set()  # the preview itself says why the edition cannot be shown
    return {key for key in map(topic_key, topic_sets) if reader_view(view, key) is None}


def _snapshot_of(edition: Edition, settings: Settings) -> dict:
    """The frozen snapshot, or for a draft the one it would be frozen with."""
    if edition.is_frozen:
        return edition.snapshot or {}
    return make_snapshot(edition, settings.edition)
