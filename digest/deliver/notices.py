"""One-off service mail (double opt-in confirmation, welcome), sent after the caller's commit."""

from __future__ import annotations

import dataclasses
import email.policy
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from digest.deliver.compose import sender_for, topic_key
from digest.deliver.message import Addressee, MessageTemplate
from digest.deliver.transport import SmtpTransport
from digest.links import CONFIRM_MAX_AGE, subscriber_url
from digest.models import Edition, Subscription, utcnow
from digest.render import (
    Recipient,
    clean_header_text,
    compile_edition,
    parse_snapshot,
    select_topics,
)
from digest.render.notices import ConfirmationView, render_confirmation
from digest.settings import Settings, SmtpSettings


def confirmation_message(subscription: Subscription, settings: Settings) -> EmailMessage:
    """The double opt-in mail, text and HTML in the newsletter's style: the reader greeted by
    name when known, the newsletter's postal address (DIGEST_POSTAL_ADDRESS unless its own)."""
    newsletter = subscription.newsletter
    mail = render_confirmation(
        ConfirmationView(
            newsletter_title=newsletter.title,
            email=subscription.subscriber.email,
            confirm_url=subscriber_url(settings.links, "confirm", subscription.id),
            valid_days=CONFIRM_MAX_AGE // 86400,
            name=subscription.subscriber.name,
            postal_address=newsletter.postal_address or settings.edition.postal_address,
        )
    )
    message = _service_message(subscription, mail.subject)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


@dataclass(frozen=True)
class Notice:
    """A service mail ready to go: built inside the request or command, sent outside it."""

    envelope_from: str
    recipient: str
    data: bytes


def confirmation_notice(subscription: Subscription, settings: Settings) -> Notice:
    return Notice(
        envelope_from=settings.delivery.envelope_from(subscription.newsletter.from_email),
        recipient=subscription.subscriber.email,
        data=confirmation_message(subscription, settings).as_bytes(policy=email.policy.SMTP),
    )


def send_notice(notice: Notice, smtp: SmtpSettings) -> None:
    """Send one service mail; raises DeliveryFailure if the server refuses it."""
    transport = SmtpTransport(smtp)
    try:
        transport.send(notice.envelope_from, notice.recipient, notice.data)
    finally:
        transport.close()


WELCOME_INTRO = "Welcome to {title}! Here is the latest edition; the next one follows on schedule."


def welcome_notice(
    subscription: Subscription, settings: Settings, latest: Edition | None
) -> Notice:
    """A new reader's first mail: the latest sent edition as they would have received it
    (their topics applied), or a short welcome when there is none."""
    data = _latest_edition_bytes(subscription, settings, latest) if latest else None
    if data is None:
        data = _welcome_message(subscription, settings).as_bytes(policy=email.policy.SMTP)
    return Notice(
        envelope_from=settings.delivery.envelope_from(subscription.newsletter.from_email),
        recipient=subscription.subscriber.email,
        data=data,
    )


def welcome_is_edition(subscription: Subscription, latest: Edition | None) -> bool:
    """Whether the welcome is the latest edition (it has a story for the reader's topics),
    rather than a short welcome."""
    return latest is not None and _welcome_view(subscription, latest).story_count > 0


def _welcome_view(subscription: Subscription, latest: Edition):
    return select_topics(parse_snapshot(latest.snapshot or {}), topic_key(subscription.topics))


def _latest_edition_bytes(
    subscription: Subscription, settings: Settings, latest: Edition
) -> bytes | None:
    newsletter = subscription.newsletter
    view = _welcome_view(subscription, latest)
    if view.story_count == 0:
        return None
    view = dataclasses.replace(view, intro=WELCOME_INTRO.format(title=newsletter.title))
    template = MessageTemplate(compile_edition(view), sender_for(newsletter, settings.delivery))
    recipient = Recipient(
        email=subscription.subscriber.email,
        name=subscription.subscriber.name,
        unsubscribe_url=subscriber_url(settings.links, "unsubscribe", subscription.id),
        preferences_url=subscriber_url(settings.links, "preferences", subscription.id),
        view_url=view.archive_url,
    )
    domain = newsletter.from_email.rpartition("@")[2]
    return template.render(Addressee(recipient, make_msgid(domain=domain), utcnow()))


def _welcome_message(subscription: Subscription, settings: Settings) -> EmailMessage:
    newsletter = subscription.newsletter
    message = _service_message(subscription, f"Welcome to {newsletter.title}")
    preferences = subscriber_url(settings.links, "preferences", subscription.id)
    unsubscribe = subscriber_url(settings.links, "unsubscribe", subscription.id)
    about = f"{newsletter.description.strip()}\n\n" if newsletter.description else ""
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message.set_content(
        f"Welcome to {newsletter.title}! Your subscription is confirmed.\n\n{about}"
        "There is no edition yet; the first one will arrive here when it is sent.\n\n"
        f"Choose topics, how often, or pause: {preferences}\n"
        f"Unsubscribe: {unsubscribe}\n"
    )
    return message


def _service_message(subscription: Subscription, subject: str) -> EmailMessage:
    newsletter = subscription.newsletter
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = Address(clean_header_text(newsletter.title), addr_spec=newsletter.from_email)
    message["To"] = subscription.subscriber.email
    message["Subject"] = clean_header_text(subject)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=newsletter.from_email.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    return message


def unsubscribe_link_notice(subscriptions: list[Subscription], settings: Settings) -> Notice:
    """The answer to an unsubscribe mailed to our bare address: a one-click link for each
    newsletter, since a mail alone cannot show who sent it (RFC 3834: auto-replied)."""
    first = subscriptions[0]
    message = _service_message(first, "Your unsubscribe request")
    message.replace_header("Auto-Submitted", "auto-replied")
    links = "\n".join(
        f"{s.newsletter.title}: {subscriber_url(settings.links, 'unsubscribe', s.id)}"
        for s in subscriptions
    )
    message.set_content(
        "We received a mail asking to unsubscribe this address. A mail alone cannot show "
        "who sent it, so nothing has changed yet.\n\n"
        f"To unsubscribe, open the link and confirm with one click:\n\n{links}\n\n"
        "If you did not ask, ignore this message: you stay subscribed.\n"
    )
    return Notice(
        envelope_from=settings.delivery.envelope_from(first.newsletter.from_email),
        recipient=first.subscriber.email,
        data=message.as_bytes(policy=email.policy.SMTP),
    )
