"""The edition as a subscriber sees it, for the archive, the editor and `digest preview`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from digest.audience import ineligible_reason, is_eligible, normalise_email, wants_cadence
from digest.audience.preferences import is_paused
from digest.deliver.compose import TopicKey, reader_view, topic_key
from digest.deliver.dispatch import preview_composer
from digest.edition.snapshot import make_snapshot
from digest.errors import EditionUnsendable, NotFound, RenderError
from digest.extensions import db
from digest.links import page_url
from digest.models import Delivery, DeliveryStatus, Edition, Subscriber, Subscription
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


def find_reader(edition: Edition, email: str) -> Subscription:
    """The subscription of `email` to the edition's newsletter; NotFound when there is none."""
    address = normalise_email(email, allow_local=True, field="email")
    subscription = db.session.scalars(
        select(Subscription)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.newsletter_id == edition.newsletter_id, Subscriber.email == address)
    ).first()
    if subscription is None:
        raise NotFound(f"reader of {edition.newsletter.slug}", address)
    return subscription


def reader_message(
    edition: Edition, settings: Settings, subscription: Subscription
) -> RenderedMessage:
    """The edition as this reader's mail has it: her topics, her name, her unsubscribe and
    preferences links, from the composer delivery sends with (EditionUnsendable if it cannot
    render)."""
    composer = preview_composer(edition, settings)
    template = composer.reader_template(subscription.topics)
    reader = subscription.subscriber
    return personalise(
        template.compiled, composer.recipient(reader.email, reader.name, subscription.id)
    )


def message_for(
    edition: Edition, settings: Settings, recipient: Recipient, topics: list[str] | None
) -> RenderedMessage:
    """The edition as delivery renders it for a reader of these topics with these personal
    fields (a test send's: her address, test links): EditionUnsendable, or NothingToSend when
    her stories are none."""
    template = preview_composer(edition, settings).reader_template(topics)
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


def why_reader_misses(edition: Edition, subscription: Subscription) -> str | None:
    """Why this reader does not get the edition; None when she gets it (or got it)."""
    if edition.is_frozen:
        status = db.session.scalar(
            select(Delivery.status).where(
                Delivery.edition_id == edition.id,
                Delivery.subscriber_id == subscription.subscriber_id,
            )
        )
        if status is None:
            return "she was not a reader when it was released"
        return None if status in (DeliveryStatus.SENT, DeliveryStatus.PENDING) else status.value
    wanted = is_eligible() & wants_cadence(edition.cadence, edition.newsletter.offers_weekly)
    gets_it = db.session.scalar(
        select(Subscription.id)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.id == subscription.id, wanted)
    )
    if gets_it is not None:
        return None
    reason = ineligible_reason(subscription.status, subscription.subscriber.status)
    if reason:
        return reason
    if is_paused(subscription):
        return f"her subscription is paused until {subscription.paused_until:%Y-%m-%d}"
    if subscription.frequency == "weekly":
        return "she chose the weekly edition"
    return "it is the weekly edition, for weekly readers"
