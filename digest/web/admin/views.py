"""Admin views: sign-in and sign-out, the overview, pausing a newsletter."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from werkzeug import Response

from digest import newsletters
from digest.accounts import Role, authenticate
from digest.deliver.progress import progress_of, watched_editions
from digest.errors import NotFound
from digest.extensions import db, limiter
from digest.jobs import count_failed
from digest.models import Newsletter
from digest.web.admin import charts
from digest.web.admin.forms import LoginForm, LogoutForm, PauseForm
from digest.web.admin.newsletter_forms import ActionForm
from digest.web.auth import is_safe_next, role_required, sign_in, sign_out

log = logging.getLogger(__name__)
# Per address: one address cannot spray many accounts. Per account and address together,
# counting wrong passwords only: guessing an account is slow from anywhere, and guesses from
# elsewhere never lock its owner out (a per-account limit would let anyone do that).
LOGIN_PER_ADDRESS = "10/minute;100/hour"
LOGIN_PER_ACCOUNT_AND_ADDRESS = "5/minute;20/hour"


def login_page() -> str:
    """The sign-in form."""
    return render_template("admin/login.html", form=LoginForm())


def _login_account_at_address() -> str:
    """Throttle key: the account asked for, from this visitor's address."""
    account = (request.form.get("email") or "").strip().lower()
    return f"login:{account}|{get_remote_address()}"


def _is_refused(response: Response) -> bool:
    return response.status_code == 401


@limiter.limit(LOGIN_PER_ADDRESS)
@limiter.limit(
    LOGIN_PER_ACCOUNT_AND_ADDRESS, key_func=_login_account_at_address, deduct_when=_is_refused
)
def login() -> Response | tuple[str, int]:
    """Sign in with a fresh session, then go to `next` if it is a path on this site."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form), 422
    user = authenticate(form.email.data, form.password.data)
    if user is None:  # what was typed is not logged: a password typed as the email is common
        log.warning("sign-in refused from %s", get_remote_address())
        form.password.errors.append("Wrong email or password.")
        return render_template("admin/login.html", form=form), 401
    sign_in(user)
    log.info("user %d signed in", user.id)
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("editor.index"))


def logout() -> Response:
    """Sign out (a POST with a CSRF token, so no other site can sign anyone out)."""
    if not LogoutForm().validate_on_submit():
        abort(400)
    sign_out()
    return redirect(url_for("public.index"))


@role_required(Role.ADMIN)
def dashboard() -> str:
    """The overview: newsletters and their next runs, sending progress, sources needing care,
    charts of deliveries per edition and subscribers over time."""
    from digest.ingest.sources import paused_sources, quiet_sources

    editions = watched_editions()
    return render_template(
        "admin/dashboard.html",
        newsletters=newsletters.list_newsletters(),
        progress=[(e, progress_of(e)) for e in editions],
        paused_sources=paused_sources(),
        quiet_sources=quiet_sources(),
        failing=count_failed(),
        deliveries=charts.deliveries_per_edition(),
        growth=charts.subscribers_over_time(),
        pause_form=PauseForm(),
        action=ActionForm(),
    )


@role_required(Role.ADMIN)
def deliveries_chart() -> str:
    """The deliveries chart alone: the overview's script fetches it while a send goes on."""
    return render_template("admin/_deliveries.html", deliveries=charts.deliveries_per_edition())


@role_required(Role.ADMIN)
def toggle_pause(newsletter_id: int) -> Response:
    """Pause a running newsletter or resume a paused one."""
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None:
        raise NotFound("newsletter", newsletter_id)
    if not PauseForm().validate_on_submit():
        abort(400)
    newsletters.set_paused(newsletter, not newsletter.is_paused)
    db.session.commit()
    flash(f"{newsletter.title} is {'paused' if newsletter.is_paused else 'running'}.", "ok")
    return redirect(url_for("admin.dashboard"))
