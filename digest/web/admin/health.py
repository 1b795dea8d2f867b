"""The sender-health page: bounce and complaint rates, unsubscribe delays, returned mail,
the one-click self-test, pause thresholds and the DNS records of the sending domains."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug import Response

from digest.accounts import Role
from digest.context import current_settings
from digest.deliver.health import selftest, stats
from digest.deliver.inbound.thresholds import set_pause_thresholds
from digest.edition.history import released_editions
from digest.edition.lifecycle import get_edition
from digest.errors import InvalidInput, NotFound
from digest.extensions import db
from digest.jobs import recent_runs, request_run
from digest.models import Newsletter
from digest.newsletters import list_newsletters
from digest.web.admin.health_forms import SelfTestForm, ThresholdForm
from digest.web.auth import role_required
from digest.web.errors import refuse


def _released_editions() -> list[tuple[int, str]]:
    return [(e.id, f"{e.id}: {e.subject}") for e in released_editions()]


def _threshold_forms(sent: dict[int, ThresholdForm]) -> list[tuple[Newsletter, ThresholdForm]]:
    """A form per newsletter with its thresholds, or the one `sent` for it (with its errors)."""
    forms = []
    for newsletter in list_newsletters():
        form = sent.get(newsletter.id) or ThresholdForm(
            prefix=f"n{newsletter.id}",
            bounce_percent=round(newsletter.pause_bounce_rate * 100, 2),
            complaint_percent=round(newsletter.pause_complaint_rate * 100, 2),
        )
        forms.append((newsletter, form))
    return forms


def render_health(
    dns_checks: list | None = None, status: int = 200, sent: dict[int, ThresholdForm] | None = None
) -> tuple[str, int]:
    form = SelfTestForm()
    form.edition.choices = _released_editions()
    page = render_template(
        "admin/health.html",
        by_edition=stats.rates_by_edition(),
        by_domain=stats.rates_by_domain(),
        unsubscribes=stats.unsubscribe_requests(),
        events=stats.recent_events(),
        selftest_form=form,
        self_tests=recent_runs(selftest.JOB),
        thresholds=_threshold_forms(sent or {}),
        dns_checks=dns_checks,
        resolver=current_settings().inbound.dns_resolver,
        promise_days=stats.PROMISE.days,
    )
    return page, status


@role_required(Role.ADMIN)
def health() -> tuple[str, int]:
    """Rates, unsubscribe delays, returned mail, the self-test and the thresholds."""
    return render_health()


@role_required(Role.ADMIN)
def health_dns() -> tuple[str, int]:
    """The same page with SPF, DKIM and DMARC checked through the configured resolver."""
    from digest.web.admin.health_dns import dns_checks  # loads dnspython

    return render_health(dns_checks=dns_checks())


@role_required(Role.ADMIN)
def save_thresholds(newsletter_id: int) -> Response | tuple[str, int]:
    """Set when a sending edition of this newsletter pauses itself."""
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None:
        raise NotFound("newsletter", newsletter_id)
    form = ThresholdForm(prefix=f"n{newsletter_id}")
    try:
        if not form.validate_on_submit():
            raise InvalidInput("a threshold is a percentage from 0 to 100")
        bounce, complaint = form.bounce_percent.data, form.complaint_percent.data
        set_pause_thresholds(newsletter, float(bounce) / 100, float(complaint) / 100)
    except InvalidInput as exc:
        flash(f"Thresholds must be percentages between 0 and 100 ({exc.message}).")
        return render_health(status=422, sent={newsletter_id: refuse(form, exc)})
    db.session.commit()
    flash(f"Thresholds of {newsletter.title} saved.")
    return redirect(url_for("admin.health"))


@role_required(Role.ADMIN)
def run_selftest() -> Response:
    """Ask the scheduler to run the self-test: it calls this very site, as a mailbox would."""
    form = SelfTestForm()
    form.edition.choices = _released_editions()
    if not form.validate_on_submit():
        abort(400)
    request_run(selftest.JOB, get_edition(form.edition.data).newsletter_id)
    db.session.commit()
    flash("Self-test started: the scheduler runs it within seconds and its result appears below.")
    return redirect(url_for("admin.health"))
