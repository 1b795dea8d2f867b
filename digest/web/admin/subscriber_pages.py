"""Admin subscriber pages: search, filters, keyset pages, CSV import and export, remove, invite."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.datastructures import FileStorage

from digest import audience, newsletters
from digest.accounts import Role
from digest.audience import admin as audience_admin
from digest.audience.exports import subscriber_csv
from digest.audience.imports import decode_csv
from digest.audience.search import STATUSES, Filters, search
from digest.context import current_settings
from digest.deliver.notices import confirmation_notice
from digest.errors import InvalidInput, NotFound
from digest.extensions import db
from digest.models import Subscriber
from digest.web.admin.newsletter_choice import newsletter_in_view
from digest.web.admin.newsletter_forms import ActionForm
from digest.web.admin.newsletter_pages import newsletter_or_404
from digest.web.admin.subscriber_forms import ImportForm, SearchForm
from digest.web.auth import is_safe_next, role_required
from digest.web.confirm import ask_first
from digest.web.errors import refuse
from digest.web.mailer import queue_mail
from digest.web.routing import id_arg


def _filters() -> tuple[SearchForm, Filters]:
    form = SearchForm(formdata=request.args).offer(newsletters.list_newsletters())
    status = form.status.data if form.status.data in STATUSES else None
    return form, Filters(form.q.data or "", id_arg(request.args, "newsletter"), status)


@role_required(Role.ADMIN)
def subscribers_page() -> str:
    """A page of subscriptions matching the search, in address order, with the next page's key."""
    form, filters = _filters()
    after_id = id_arg(request.args, "after_id")
    after = (request.args.get("after", ""), after_id) if after_id else None
    rows, following = search(filters, after)
    query = {k: v for k, v in request.args.items() if k not in ("after", "after_id")}
    return render_template(
        "admin/subscribers.html",
        form=form,
        rows=rows,
        next_url=following
        and url_for("admin.subscribers_page", **query, after=following[0], after_id=following[1]),
        first_url=after and url_for("admin.subscribers_page", **query),
        export_url=url_for("admin.export_subscribers", **query),
        action=ActionForm(),
    )


@role_required(Role.ADMIN)
def export_subscribers() -> Response:
    """Every matching subscription as CSV, streamed a batch at a time."""
    _, filters = _filters()
    response = Response(stream_with_context(subscriber_csv(filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
    return response


@role_required(Role.ADMIN)
def import_subscribers() -> str | tuple[str, int]:
    """Import a CSV; the page reports what was added and each rejected line with its reason."""
    letters = newsletters.list_newsletters()
    form = ImportForm().offer(letters, newsletter_in_view(letters))
    if request.method == "GET":
        return render_template("admin/import.html", form=form, report=None)
    upload = _sent_csv(form)
    if upload is None:
        return render_template("admin/import.html", form=form, report=None), 422
    newsletter = newsletter_or_404(form.newsletter.data)
    text = io.StringIO(decode_csv(upload.read()), newline="")
    try:
        report = audience.import_csv(newsletter, text, form.needs_confirmation.data)
    except InvalidInput as exc:
        return render_template("admin/import.html", form=refuse(form, exc), report=None), 422
    for subscription in report.pending_confirmation:
        queue_mail(confirmation_notice(subscription, current_settings()), "confirmation")
    db.session.commit()
    return render_template("admin/import.html", form=form, report=report, newsletter=newsletter)


def _sent_csv(form: ImportForm) -> FileStorage | None:
    """The file of a valid import form, else None with each field's own error on the form."""
    is_valid = form.validate_on_submit()
    upload = request.files.get(form.file.name)
    if upload is None or not upload.filename:
        form.file.errors = list(form.file.errors) + ["Choose a CSV file."]
        return None
    return upload if is_valid else None


@role_required(Role.ADMIN)
def remove_subscriber(subscriber_id: int) -> Response:
    """Remove an address from every newsletter; it stays suppressed."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound("subscriber", subscriber_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    page = ask_first(
        f"Remove {subscriber.email}?",
        "Every subscription of this address ends and it stays suppressed: nothing is sent to it "
        "again unless they subscribe anew and confirm.",
        yes="Remove",
        back=_back(),
    )
    if page is not None:
        return page  # type: ignore[return-value]
    ended = audience_admin.remove_subscriber(subscriber)
    db.session.commit()
    flash(
        f"{subscriber.email} is removed ({ended} subscription(s) ended); it stays suppressed.", "ok"
    )
    return redirect(_back())


@role_required(Role.ADMIN)
def resubscribe(subscription_id: int) -> Response:
    """Ask an unsubscribed or suppressed address to come back: a new confirmation mail only."""
    subscription = audience_admin.get_subscription(subscription_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    email = subscription.subscriber.email
    if not audience_admin.request_resubscribe(subscription):
        flash(f"{email} was sent a confirmation less than a day ago; try again tomorrow.")
        return redirect(_back())
    queue_mail(confirmation_notice(subscription, current_settings()), "confirmation")
    db.session.commit()
    flash(
        f"A confirmation mail is on its way to {email}; they are subscribed once they follow it.",
        "ok",
    )
    return redirect(_back())


def _back() -> str:
    """The list the admin came from (a path on this site), else the first page.

    A confirmation page passes the list it was opened from as `back`.
    """
    parts = urlsplit(request.form.get("back") or request.referrer or "")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target if is_safe_next(target) else url_for("admin.subscribers_page")
