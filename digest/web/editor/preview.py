"""The edition as one sample reader gets it (their name, their topics), for previews and tests.

The footer is the web archive's wording (render's WebReader): a preview or a test is
nobody's subscription, so it names no address and carries no unsubscribe link.
"""

from __future__ import annotations

import dataclasses
import email.policy

from digest.audience.search import active_readers
from digest.deliver.notices import Notice
from digest.deliver.preview import preview_message
from digest.edition.mail import sample_message
from digest.models import Edition
from digest.render import RenderedMessage
from digest.settings import Settings

SAMPLE_LIMIT = 50


@dataclasses.dataclass(frozen=True)
class Sample:
    """Who the preview is for: a subscription's reader, or nobody in particular (every story)."""

    key: str
    label: str
    name: str | None = None
    topics: tuple[str, ...] = ()


EVERYONE = Sample("none", "No topics chosen (every story)")


def samples_for(edition: Edition) -> list[Sample]:
    """The newsletter's active readers to preview as, after "no topics"."""
    samples = [EVERYONE]
    for reader in active_readers(edition.newsletter_id, SAMPLE_LIMIT):
        name, topics = reader.name, reader.topics
        shown = f"{name} <{reader.email}>" if name else reader.email
        about = ", ".join(topics) if topics else "every story"
        samples.append(
            Sample(str(reader.subscription_id), f"{shown}: {about}", name, tuple(topics or ()))
        )
    return samples


def pick_sample(edition: Edition, key: str | None) -> Sample:
    return next((s for s in samples_for(edition) if s.key == key), EVERYONE)


def render_for(
    edition: Edition, settings: Settings, sample: Sample, to: str = ""
) -> RenderedMessage:
    """The real message for the sample reader; EditionUnsendable if it cannot render."""
    return preview_message(
        edition, settings, to, name=sample.name, topics=list(sample.topics), greets_reader=True
    )


def notice_for_test(edition: Edition, settings: Settings, sample: Sample, to: str) -> Notice:
    """A test of the edition to one address, built now and sent after the request."""
    rendered = render_for(edition, settings, sample, to)
    message = sample_message(edition, to, rendered.subject, rendered.html, rendered.text)
    return Notice(
        envelope_from=settings.delivery.envelope_from(edition.newsletter.from_email),
        recipient=to,
        data=message.as_bytes(policy=email.policy.SMTP),
    )
