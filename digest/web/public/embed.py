"""A subscribe form other sites can embed: plain HTML posting here, no CSRF cookie needed.

Without our cookie a CSRF token cannot work, so the form is guarded otherwise: the
per-visitor rate limit, a honeypot field that people never see (bots fill it in), and
double opt-in (nothing is sent but a confirmation, at most one a day per address).
"""

from __future__ import annotations

from flask import render_template, url_for

from digest.accounts import Role
from digest.audience.topics import newsletter_topics
from digest.context import external_url
from digest.web.auth import role_required
from digest.web.public.forms import EmbedForm, offer_topics
from digest.web.public.views import open_newsletter, request_subscription, subscribe_limit


@subscribe_limit
def embedded_subscribe(slug: str) -> str | tuple[str, int]:
    """The embedded form's target: the same answer as our own form."""
    newsletter = open_newsletter(slug)
    form = EmbedForm()
    offer_topics(form.topics, newsletter_topics(newsletter))
    if not form.validate_on_submit():
        return _refused(newsletter, form), 422
    if form.website.data:  # the honeypot: answer like a success, store and send nothing
        return render_template("public/check_inbox.html", newsletter=newsletter)
    return request_subscription(newsletter, form)


def _refused(newsletter, form: EmbedForm) -> str:
    """Our own page for the visitor to try again (with the address they typed)."""
    page = url_for("public.subscribe_to", slug=newsletter.slug)
    return render_template("public/embed_error.html", newsletter=newsletter, form=form, page=page)


@role_required(Role.ADMIN)
def embed_code(slug: str) -> str:
    """The snippet an admin copies into another site."""
    newsletter = open_newsletter(slug)
    snippet = render_template(
        "public/embed_snippet.html",
        newsletter=newsletter,
        action=external_url("public.embedded_subscribe", slug=newsletter.slug),
    )
    return render_template("public/embed_code.html", newsletter=newsletter, snippet=snippet)
