"""Subscriber views: each parses its form, calls one operation, commits and answers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug import Response

from digest import audience, newsletters
from digest.app import current_settings
from digest.deliver.notices import confirmation_notice
from digest.deliver.preview import preview_message
from digest.extensions import csrf, db, limiter
from digest.links import read_token
from digest.models import Edition, EditionStatus, Subscription
from digest.web.mailer import send_later
from digest.web.public import bp
from digest.web.public.forms import PreferencesForm, SubscribeForm
from digest.web.security import message_response


@bp.get("/")
def index() -> str:
    """Every newsletter with its past editions."""
    return render_template(
        "public/index.html", newsletters=newsletters.list_newsletters(), editions=_recent()
    )


def _recent() -> dict[int, list[Edition]]:
    sent = db.session.scalars(
        select(Edition)
        .where(Edition.released_at.is_not(None))
        .order_by(Edition.released_at.desc())
        .limit(50)
    ).all()
    grouped: dict[int, list[Edition]] = {}
    for edition in sent:
        grouped.setdefault(edition.newsletter_id, []).append(edition)
    return grouped


@bp.get("/subscribe")
def subscribe_page() -> str:
    """The subscribe form, with `?newsletter=slug` chosen."""
    form = SubscribeForm(newsletter=request.args.get("newsletter"))
    return render_template("public/subscribe.html", form=form.offer(newsletters.list_newsletters()))


@bp.post("/subscribe")
@limiter.limit("20/hour")
def subscribe() -> str | tuple[str, int]:
    """Subscribe an address; a new one gets a confirmation link after the commit."""
    form = SubscribeForm().offer(newsletters.list_newsletters())
    if not form.validate_on_submit():
        return render_template("public/subscribe.html", form=form), 422
    newsletter = newsletters.get_newsletter(form.newsletter.data)
    subscription = audience.subscribe(newsletter, form.email.data, form.name.data or None)
    settings = current_settings()
    # At most one a day per address, never to a suppressed one; sent after the commit,
    # outside the request, so the answer looks and takes the same whatever the address.
    notice = confirmation_notice(subscription, settings)
    if not audience.claim_confirmation(subscription):
        notice = None
    db.session.commit()
    if notice is not None:
        send_later(notice, settings.delivery.smtp)
    return render_template("public/check_inbox.html", newsletter=newsletter)


def _subscription(purpose: str, token: str) -> Subscription:
    subscription_id = read_token(current_settings().links, purpose, token)
    subscription = db.session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None:
        abort(404)
    return subscription


@bp.get("/confirm/<token>")
def confirm(token: str) -> str:
    """Double opt-in: the link from the confirmation mail activates the subscription."""
    subscription = _subscription("confirm", token)
    audience.confirm(subscription)
    db.session.commit()
    return render_template("public/confirmed.html", subscription=subscription)


@bp.get("/preferences/<token>")
def preferences(token: str) -> str:
    """The subscriber's topics, ready to change."""
    subscription = _subscription("preferences", token)
    form = PreferencesForm(topics=", ".join(subscription.topics or []))
    return _preferences_page(form, subscription, token)


@bp.post("/preferences/<token>")
def save_preferences(token: str) -> Response | tuple[str, int]:
    """Save the topics; empty means everything."""
    subscription = _subscription("preferences", token)
    form = PreferencesForm()
    if not form.validate_on_submit():
        return _preferences_page(form, subscription, token), 422
    audience.set_topics(subscription, form.topics.data)
    db.session.commit()
    flash("Your preferences are saved.")
    return redirect(url_for("public.preferences", token=token))


def _preferences_page(form: PreferencesForm, subscription: Subscription, token: str) -> str:
    return render_template(
        "public/preferences.html", form=form, subscription=subscription, token=token
    )


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> str:
    """A button, not an action: mail scanners follow GET links."""
    subscription = _subscription("unsubscribe", token)
    return render_template("public/unsubscribe.html", subscription=subscription, token=token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: mail clients POST here without cookies or a CSRF token
def unsubscribe(token: str) -> str:
    """One-click unsubscribe; the signed token is the only credential."""
    subscription = _subscription("unsubscribe", token)
    audience.unsubscribe(subscription)
    db.session.commit()
    return render_template("public/unsubscribed.html", subscription=subscription)


@bp.get("/archive/<slug>/<int:edition_id>")
def archive(slug: str, edition_id: int) -> Response:
    """A released edition as it was sent; drafts and unknown editions are 404."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or edition.newsletter.slug != slug or not edition.is_frozen:
        abort(404)
    if edition.status is EditionStatus.DRAFT:
        abort(404)
    return message_response(preview_message(edition, current_settings()).html)
