"""Pages for subscribers: subscribe, confirm, preferences, one-click unsubscribe, the archive."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from digest import audience
from digest.deliver.notices import send_confirmation
from digest.deliver.transport import DeliveryFailure
from digest.errors import InvalidInput
from digest.extensions import csrf, db, limiter
from digest.models import Edition, EditionStatus, Newsletter, Subscription
from digest.tokens import read_token
from digest.web.preview import preview_message

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    newsletters = db.session.scalars(select(Newsletter).order_by(Newsletter.title)).all()
    return render_template("public/index.html", newsletters=newsletters, editions=_recent())


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


@bp.route("/subscribe", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def subscribe():
    newsletters = db.session.scalars(select(Newsletter).order_by(Newsletter.title)).all()
    if request.method == "GET":
        return render_template("public/subscribe.html", newsletters=newsletters)
    newsletter = db.session.scalars(
        select(Newsletter).where(Newsletter.slug == request.form.get("newsletter", ""))
    ).first()
    if newsletter is None:
        abort(400)
    try:
        subscription = audience.subscribe(
            newsletter, request.form.get("email", ""), request.form.get("name") or None
        )
    except InvalidInput as exc:
        flash(str(exc))
        return render_template("public/subscribe.html", newsletters=newsletters), 400
    db.session.commit()
    if subscription.status.value == "pending":
        try:
            send_confirmation(subscription)
        except DeliveryFailure:
            current_app.logger.exception("confirmation mail failed")
    return render_template("public/check_inbox.html", newsletter=newsletter)


def _subscription(purpose: str, token: str) -> Subscription:
    subscription_id = read_token(purpose, token)
    subscription = db.session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None:
        abort(404)
    return subscription


@bp.get("/confirm/<token>")
def confirm(token: str):
    subscription = _subscription("confirm", token)
    audience.confirm(subscription)
    db.session.commit()
    return render_template("public/confirmed.html", subscription=subscription)


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    subscription = _subscription("preferences", token)
    if request.method == "POST":
        raw = request.form.get("topics", "")
        subscription.topics = [t.strip() for t in raw.split(",") if t.strip()]
        db.session.commit()
        flash("Your preferences are saved.")
        return redirect(url_for("public.preferences", token=token))
    return render_template("public/preferences.html", subscription=subscription, token=token)


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    subscription = _subscription("unsubscribe", token)
    return render_template("public/unsubscribe.html", subscription=subscription, token=token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: mail clients POST here without cookies or a CSRF token
def unsubscribe(token: str):
    subscription = _subscription("unsubscribe", token)
    audience.unsubscribe(subscription)
    db.session.commit()
    return render_template("public/unsubscribed.html", subscription=subscription)


@bp.get("/archive/<slug>/<int:edition_id>")
def archive(slug: str, edition_id: int):
    edition = db.session.get(Edition, edition_id)
    if edition is None or edition.newsletter.slug != slug or not edition.is_frozen:
        abort(404)
    if edition.status is EditionStatus.DRAFT:
        abort(404)
    return Markup(preview_message(edition).html)
