"""Mail for the people who run a newsletter: a test of an edition, and "please review" notes.

Built here as plain EmailMessages; the face that asked sends them after its commit
(digest.deliver.notices carries them). A test never touches the delivery ledger.
"""

from __future__ import annotations

import email.policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

from digest.models import Edition, utcnow
from digest.words import counted

TEST_PREFIX = "[Test] "


def sample_message(edition: Edition, to: str, subject: str, html: str, text: str) -> EmailMessage:
    """The edition as rendered for a sample reader, to `to`, its subject prefixed "[Test]"."""
    message = _base(edition, to, TEST_PREFIX + subject)
    message["X-Digest-Test"] = f"edition {edition.id}"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def review_message(edition: Edition, to: str, link: str) -> EmailMessage:
    """Tells an editor an edition waits for review, when it is due, and where to approve it."""
    newsletter = edition.newsletter
    local = edition.slot.astimezone(ZoneInfo(newsletter.timezone))
    when = f"{local:%H:%M} ({newsletter.timezone}) on {local:%A} {local.day} {local:%B}"
    message = _base(edition, to, f"Review before {local:%H:%M}: {edition.subject}")
    message["Auto-Submitted"] = "auto-generated"
    stories = counted(sum(1 for item in edition.items if item.is_representative), "story")
    message.set_content(
        f"The next edition of {newsletter.title} is ready for review: {stories}.\n\n"
        f"Its slot is {when}. It goes out only after an editor approves it; "
        "approved after the slot, it goes out at once.\n\n"
        f"Review, change and approve it here: {link}\n"
    )
    return message


def _base(edition: Edition, to: str, subject: str) -> EmailMessage:
    newsletter = edition.newsletter
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = Address(" ".join(newsletter.title.split()), addr_spec=newsletter.from_email)
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=newsletter.from_email.rpartition("@")[2])
    return message
