"""The edition as one sample reader gets it (their name, their topics), for previews and tests.

A preview in the workspace carries the web archive's footer (render's WebReader): it is
nobody's subscription, so it names no address. A test send is the reader's own mail as
delivery renders it (her address, the postal address, why she gets it), with her unsubscribe,
preferences and browser links swapped for test links to an editor's page that says where
they lead: clicking one in a test changes nothing.
"""

from __future__ import annotations

import dataclasses
import email.policy

from digest.audience.eligibility import Skipped, skipped_subscriptions
from digest.audience.search import active_readers
from digest.context import external_url
from digest.deliver.compose import topic_key
from digest.deliver.notices import Notice
from digest.deliver.preview import message_for, preview_message, topic_sets_without_stories
from digest.edition.mail import sample_message
from digest.models import Edition
from digest.render import Recipient, RenderedMessage
from digest.settings import Settings
from digest.web.editor.timing import local_time

SAMPLE_LIMIT = 50


@dataclasses.dataclass(frozen=True)
class Sample:
    """Who the preview is for: a subscription's reader, or nobody in particular (every story);
    `skipped` says why this reader would get nothing from the edition."""

    key: str
    label: str
    name: str | None = None
    topics: tuple[str, ...] = ()
    email: str | None = None
    skipped: str | None = None


EVERYONE = Sample("none", "No topics chosen (every story)")


def samples_for(edition: Edition) -> list[Sample]:
    """The newsletter's active readers to preview as, after "no topics"."""
    samples = [EVERYONE]
    for reader in active_readers(edition.newsletter_id, SAMPLE_LIMIT):
        name, topics = reader.name, tuple(reader.topics or ())
        shown = f"{name} <{reader.email}>" if name else reader.email
        about = ", ".join(topics) if topics else "every story"
        key = str(reader.subscription_id)
        samples.append(Sample(key, f"{shown}: {about}", name, topics, reader.email))
    return samples


def pick_sample(edition: Edition, key: str | None) -> Sample:
    return choose(samples_for(edition), key)


def choose(samples: list[Sample], key: str | None) -> Sample:
    """The sample of this key, else nobody in particular (the first)."""
    return next((s for s in samples if s.key == key), samples[0])


def with_skips(edition: Edition, settings: Settings, samples: list[Sample]) -> list[Sample]:
    """The samples, each saying plainly when this edition would reach her with nothing."""
    newsletter = edition.newsletter
    ids = [int(s.key) for s in samples if s.key.isdigit()]
    skipped = skipped_subscriptions(ids, edition.cadence, newsletter.offers_weekly)
    empty = topic_sets_without_stories(edition, settings, [list(s.topics) for s in samples])
    marked = []
    for sample in samples:
        why = skipped.get(int(sample.key)) if sample.key.isdigit() else None
        note = _skip_note(why, newsletter.timezone, topic_key(list(sample.topics)) in empty)
        marked.append(dataclasses.replace(sample, skipped=note))
    return marked


def _skip_note(why: Skipped | None, timezone: str, has_no_story: bool) -> str | None:
    if why is not None and why.kind == "paused" and why.until is not None:
        until = local_time(why.until, timezone)
        return (
            f"This reader gets nothing from this edition if it goes out before {until}: "
            "she paused her mail until then, so she is skipped."
        )
    reason = SKIP_REASONS.get(why.kind) if why is not None else None
    if reason is None and has_no_story:
        reason = "none of its stories reaches her (every story is left out)"
    if reason is None:
        return None
    return f"This reader gets nothing from this edition: {reason}; she is skipped."


SKIP_REASONS = {
    "pending": "she has not confirmed her subscription",
    "unsubscribed": "she unsubscribed",
    "bounced": "mail to her address bounced, so it is no longer mailed",
    "complained": "she reported a mail as spam, so her address is no longer mailed",
    "weekly": "she chose one email a week and gets the weekly edition instead",
    "every": "she gets every edition, so not this weekly one",
}


def render_for(
    edition: Edition, settings: Settings, sample: Sample, to: str = ""
) -> RenderedMessage:
    """The real message for the sample reader; EditionUnsendable if it cannot render."""
    return preview_message(
        edition, settings, to, name=sample.name, topics=list(sample.topics), greets_reader=True
    )


def notice_for_test(edition: Edition, settings: Settings, sample: Sample, to: str) -> Notice:
    """A test of the edition to one address as the sample reader's own mail, with test links;
    built now and sent after the request. EditionUnsendable or NothingToSend when it cannot be."""
    recipient = Recipient(
        email=sample.email or to,
        name=sample.name,
        unsubscribe_url=link_in_test(edition, sample, "unsubscribe"),
        preferences_url=link_in_test(edition, sample, "preferences"),
        view_url=link_in_test(edition, sample, "view"),
    )
    rendered = message_for(edition, settings, recipient, list(sample.topics))
    message = sample_message(edition, to, rendered.subject, rendered.html, rendered.text)
    return Notice(
        envelope_from=settings.delivery.envelope_from(edition.newsletter.from_email),
        recipient=to,
        data=message.as_bytes(policy=email.policy.SMTP),
    )


def link_in_test(edition: Edition, sample: Sample, kind: str) -> str:
    """Where a test mail's `kind` link goes: an editor's page saying where the reader's leads."""
    return external_url("editor.test_link", edition_id=edition.id, kind=kind, sample=sample.key)
