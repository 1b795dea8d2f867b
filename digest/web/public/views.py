"""Subscriber views: each parses its form, calls one operation, commits and answers."""

from __future__ import annotations

from flask import abort, render_template, request

from digest import audience, newsletters
from digest.audience.topics import newsletter_topics
from digest.context import current_settings
from digest.deliver.archive import latest_public_edition, public_editions
from digest.deliver.notices import confirmation_notice, welcome_is_edition, welcome_notice
from digest.extensions import db, limiter
from digest.links import read_confirm_link, read_token
from digest.models import Newsletter, Subscription, SubscriptionStatus
from digest.web.mailer import queue_mail
from digest.web.public.forms import (
    ConfirmForm,
    NewsletterSubscribeForm,
    RenewForm,
    SubscribeForm,
    offer_topics,
)

SUBSCRIBE_LIMIT = "20/hour"  # per visitor address, across every way of subscribing
subscribe_limit = limiter.shared_limit(SUBSCRIBE_LIMIT, scope="subscribe", methods=["POST"])


def open_newsletters() -> list[Newsletter]:
    return [n for n in newsletters.list_newsletters() if not n.is_archived]


def open_newsletter(slug: str) -> Newsletter:
    newsletter = newsletters.get_newsletter(slug)
    if newsletter.is_archived:
        abort(404)
    return newsletter


def index() -> str:
    """Every newsletter with its description and latest editions."""
    letters = open_newsletters()
    recent = {n.id: public_editions(n, limit=3) for n in letters}
    return render_template("public/index.html", newsletters=letters, editions=recent)


def subscribe_page() -> str:
    """The general subscribe form, with `?newsletter=slug` chosen."""
    form = SubscribeForm(newsletter=request.args.get("newsletter"))
    return render_template("public/subscribe.html", form=form.offer(open_newsletters()))


@subscribe_limit
def subscribe() -> str | tuple[str, int]:
    """Subscribe to the newsletter chosen in the select (every topic)."""
    form = SubscribeForm().offer(open_newsletters())
    if not form.validate_on_submit():
        return render_template("public/subscribe.html", form=form), 422
    return request_subscription(open_newsletter(form.newsletter.data), form)


def newsletter_page(slug: str) -> str:
    """One newsletter: what it is, its topics to choose from, its latest editions."""
    newsletter = open_newsletter(slug)
    form = NewsletterSubscribeForm()
    offer_topics(form.topics, newsletter_topics(newsletter))
    return _newsletter_page(newsletter, form)


@subscribe_limit
def subscribe_to(slug: str) -> str | tuple[str, int]:
    """Subscribe to this newsletter with the topics ticked."""
    newsletter = open_newsletter(slug)
    form = NewsletterSubscribeForm()
    offer_topics(form.topics, newsletter_topics(newsletter))
    if not form.validate_on_submit():
        return _newsletter_page(newsletter, form), 422
    return request_subscription(newsletter, form)


def _newsletter_page(newsletter: Newsletter, form: NewsletterSubscribeForm) -> str:
    return render_template(
        "public/newsletter.html",
        newsletter=newsletter,
        form=form,
        editions=public_editions(newsletter, limit=5),
    )


def request_subscription(newsletter: Newsletter, form: NewsletterSubscribeForm) -> str:
    """One answer for every address, new, pending, active or unsubscribed: nothing on the
    page, in its timing or in its cookies tells them apart. The mail leaves after the commit."""
    subscription = audience.request_subscription(
        newsletter, form.email.data, form.name.data or None, form.topics.data or []
    )
    settings = current_settings()
    notice = confirmation_notice(subscription, settings)  # built always: the same work
    if audience.claim_confirmation(subscription, may_return=True):
        queue_mail(notice, "confirmation")
    db.session.commit()
    return render_template("public/check_inbox.html", newsletter=newsletter)


# What a reader is told when a link from a mail does not work (cut short by a mail program,
# copied in part, or naming a subscription that was erased), instead of a bare "not found".
BROKEN_LINK = {
    "confirm": "This confirmation link is incomplete or no longer names a subscription. "
    "Open the whole link from the mail, or subscribe again for a new confirmation mail.",
    "preferences": "This preferences link is incomplete or no longer names a subscription. "
    "Open the whole link from the newsletter, or use the one at the foot of the latest edition.",
    "unsubscribe": "This unsubscribe link is incomplete or no longer names a subscription. "
    "Open the whole link from the newsletter, or use the one at the foot of the latest edition; "
    "if you were already unsubscribed, nothing more will be sent.",
}


def subscription_of(purpose: str, token: str) -> Subscription:
    subscription_id = read_token(current_settings().links, purpose, token)
    subscription = db.session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None:
        abort(404, BROKEN_LINK[purpose])
    return subscription


def _confirm_link(token: str):
    link = read_confirm_link(current_settings().links, token)
    subscription = db.session.get(Subscription, link.subscription_id) if link else None
    if subscription is None:
        abort(404, BROKEN_LINK["confirm"])
    return link, subscription


def confirm_page(token: str) -> str | tuple[str, int]:
    """A button, not an action: mail scanners follow links. An old link offers a new one."""
    link, subscription = _confirm_link(token)
    if link.is_expired:
        return _expired_page(subscription, token), 410
    if not audience.may_confirm(subscription, link.issued_at):
        return render_template("public/confirmed.html", subscription=subscription, welcome=None)
    return render_template(
        "public/confirm.html", subscription=subscription, token=token, form=ConfirmForm()
    )


def confirm(token: str) -> str | tuple[str, int]:
    """Double opt-in: activate, then send the latest edition (or a welcome) after the commit."""
    link, subscription = _confirm_link(token)
    if link.is_expired:
        return _expired_page(subscription, token), 410
    if not ConfirmForm().validate_on_submit():
        abort(400)
    settings = current_settings()
    welcome = None  # a link used again sends nothing
    if audience.confirm(subscription, link.issued_at):
        latest = latest_public_edition(subscription.newsletter)
        queue_mail(welcome_notice(subscription, settings, latest), "welcome")
        welcome = "edition" if welcome_is_edition(subscription, latest) else "note"
    db.session.commit()
    return render_template("public/confirmed.html", subscription=subscription, welcome=welcome)


def _expired_page(subscription: Subscription, token: str) -> str:
    return render_template(
        "public/expired.html", subscription=subscription, token=token, form=RenewForm()
    )


@subscribe_limit
def renew_confirmation(token: str) -> str:
    """A fresh link for an expired one (still at most one mail a day per address)."""
    _link, subscription = _confirm_link(token)
    if not RenewForm().validate_on_submit():
        abort(400)
    settings = current_settings()
    notice = confirmation_notice(subscription, settings)
    if audience.claim_confirmation(subscription, may_return=True):
        queue_mail(notice, "confirmation")
    db.session.commit()
    return render_template("public/check_inbox.html", newsletter=subscription.newsletter)


def unsubscribe_page(token: str) -> str:
    """A button, not an action: mail scanners follow GET links."""
    subscription = subscription_of("unsubscribe", token)
    if subscription.status is SubscriptionStatus.UNSUBSCRIBED:  # the link opened again
        return render_template("public/unsubscribed.html", subscription=subscription, already=True)
    return render_template("public/unsubscribe.html", subscription=subscription, token=token)


def unsubscribe(token: str) -> str:
    """One-click unsubscribe; the signed token is the only credential."""
    subscription = subscription_of("unsubscribe", token)
    audience.unsubscribe(subscription)
    db.session.commit()
    return render_template("public/unsubscribed.html", subscription=subscription)
