"""Service mail in the newsletter's style: the double opt-in confirmation, as HTML and text.

Pure, like the digest's renderer: a plain view in, both bodies out, through the same email
templates environment (autoescaped MJML, StrictUndefined) and the same MJML compiler.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.render.compiler import email_template, mjml_to_html
from digest.render.headers import clean_header_text


@dataclass(frozen=True)
class ConfirmationView:
    """What a confirmation mail says: whose newsletter, to whom, and the link to confirm."""

    newsletter_title: str
    email: str
    confirm_url: str
    valid_days: int
    name: str | None = None
    postal_address: str | None = None
    lang: str = "en"


@dataclass(frozen=True)
class ServiceMail:
    subject: str
    html: str
    text: str


def render_confirmation(view: ConfirmationView) -> ServiceMail:
    """The confirmation mail: greets the reader by name when known, names the newsletter and
    carries its postal address, like the digest's footer."""
    subject = clean_header_text(f"Confirm your subscription to {view.newsletter_title}")
    name = clean_header_text(view.name or "")
    context = {"view": view, "subject": subject, "greeting": f"Hi {name}," if name else "Hello,"}
    return ServiceMail(
        subject=subject,
        html=mjml_to_html(email_template("confirmation.mjml.j2").render(context)),
        text=email_template("confirmation.txt.j2").render(context),
    )
