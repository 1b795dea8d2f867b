"""The reader's preferences page: topics, frequency, a pause, their name."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug import Response
from wtforms.fields.choices import SelectChoice

from digest.audience import preferences as choices
from digest.audience.topics import newsletter_topics
from digest.extensions import db
from digest.models import Subscription, SubscriptionStatus
from digest.web.public.forms import PreferencesForm, offer_topics
from digest.web.public.views import subscription_of


def _form(subscription: Subscription, **data) -> PreferencesForm:
    form = PreferencesForm(**data)
    offered = newsletter_topics(subscription.newsletter)
    offer_topics(form.topics, offered + [t for t in subscription.topics or [] if t not in offered])
    if not subscription.newsletter.offers_weekly:
        form.frequency.choices = [SelectChoice("every", "Every edition")]
    return form


def preferences(token: str) -> str:
    """The reader's choices, ready to change; an unsubscribed reader is offered to come back."""
    subscription = subscription_of("preferences", token)
    if subscription.status is SubscriptionStatus.UNSUBSCRIBED:
        return _unsubscribed(subscription)
    form = _form(
        subscription,
        topics=list(subscription.topics or []),
        frequency=subscription.frequency,
        name=subscription.subscriber.name or "",
    )
    return _page(form, subscription, token)


def save_preferences(token: str) -> Response | str | tuple[str, int]:
    """Save; the next edition follows them. Nothing is saved for an unsubscribed reader."""
    subscription = subscription_of("preferences", token)
    if subscription.status is SubscriptionStatus.UNSUBSCRIBED:
        return _unsubscribed(subscription), 409
    form = _form(subscription)
    if not form.validate_on_submit():
        return _page(form, subscription, token), 422
    pause = int(form.pause.data) if form.pause.data else None
    chosen = choices.Preferences(form.topics.data or [], form.frequency.data, pause, form.name.data)
    choices.save_preferences(subscription, chosen)
    db.session.commit()
    flash("Your preferences are saved.", "ok")
    return redirect(url_for("public.preferences", token=token))


def _unsubscribed(subscription: Subscription) -> str:
    return render_template("public/unsubscribed.html", subscription=subscription, already=True)


def _page(form: PreferencesForm, subscription: Subscription, token: str) -> str:
    return render_template(
        "public/preferences.html",
        form=form,
        subscription=subscription,
        token=token,
        is_paused=choices.is_paused(subscription),
    )
