"""One-off service mail (double opt-in confirmation), sent after the caller's commit."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from digest.deliver.transport import SmtpTransport
from digest.links import subscriber_url
from digest.models import Subscription, utcnow
from digest.render import clean_header_text
from digest.settings import Settings, SmtpSettings


def confirmation_message(subscription: Subscription, settings: Settings) -> EmailMessage:
    newsletter = subscription.newsletter
    link = subscriber_url(settings.links, "confirm", subscription.id)
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = Address(clean_header_text(newsletter.title), addr_spec=newsletter.from_email)
    message["To"] = subscription.subscriber.email
    message["Subject"] = clean_header_text(f"Confirm your subscription to {newsletter.title}")
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=newsletter.from_email.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"Someone (hopefully you) asked to receive {newsletter.title} at this address.\n\n"
        f"Confirm here: {link}\n\n"
        "If it was not you, ignore this message and nothing more will arrive.\n"
    )
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


def send_confirmation(subscription: Subscription, settings: Settings) -> None:
    """Build and send the opt-in link now; raises DeliveryFailure if the server refuses it."""
    send_notice(confirmation_notice(subscription, settings), settings.delivery.smtp)
