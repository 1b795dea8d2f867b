"""The sender-health page: bounce and complaint rates, unsubscribe delays, returned mail,
the one-click self-test, pause thresholds and the DNS records of the sending domains."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug import Response
from wtforms import DecimalField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from digest.accounts import Role
from digest.app import current_settings
from digest.deliver.health import selftest, stats
from digest.edition.lifecycle import get_edition
from digest.errors import NotFound
from digest.extensions import db
from digest.models import Edition, JobRun, Newsletter
from digest.schedule.history import record_job
from digest.web.admin import bp
from digest.web.auth import role_required

log = logging.getLogger(__name__)
SELF_TEST = "unsubscribe self-test"
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-selftest")


class SelfTestForm(FlaskForm):
    edition = SelectField("Edition", coerce=int)
    submit = SubmitField("Run the one-click self-test")


class ThresholdForm(FlaskForm):
    bounce_percent = DecimalField(
        "Pause above this % of hard bounces",
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    complaint_percent = DecimalField(
        "Pause above this % of complaints",
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    submit = SubmitField("Save thresholds")


def _released_editions() -> list[tuple[int, str]]:
    editions = db.session.scalars(
        select(Edition)
        .where(Edition.released_at.is_not(None))
        .order_by(Edition.id.desc())
        .limit(20)
    )
    return [(e.id, f"{e.id}: {e.subject}") for e in editions]


def _threshold_forms() -> list[tuple[Newsletter, ThresholdForm]]:
    forms = []
    for newsletter in db.session.scalars(select(Newsletter).order_by(Newsletter.title)):
        form = ThresholdForm(
            prefix=f"n{newsletter.id}",
            bounce_percent=round(newsletter.pause_bounce_rate * 100, 2),
            complaint_percent=round(newsletter.pause_complaint_rate * 100, 2),
        )
        forms.append((newsletter, form))
    return forms


def render_health(dns_checks: list | None = None, status: int = 200) -> tuple[str, int]:
    form = SelfTestForm()
    form.edition.choices = _released_editions()
    self_tests = db.session.scalars(
        select(JobRun).where(JobRun.job == SELF_TEST).order_by(JobRun.id.desc()).limit(5)
    )
    page = render_template(
        "admin/health.html",
        by_edition=stats.rates_by_edition(),
        by_domain=stats.rates_by_domain(),
        unsubscribes=stats.unsubscribe_requests(),
        events=stats.recent_events(),
        selftest_form=form,
        self_tests=list(self_tests),
        thresholds=_threshold_forms(),
        dns_checks=dns_checks,
        resolver=current_settings().inbound.dns_resolver,
        promise_days=stats.PROMISE.days,
    )
    return page, status


@bp.get("/health")
@role_required(Role.ADMIN)
def health() -> tuple[str, int]:
    """Rates, unsubscribe delays, returned mail, the self-test and the thresholds."""
    return render_health()


@bp.get("/health/dns")
@role_required(Role.ADMIN)
def health_dns() -> tuple[str, int]:
    """The same page with SPF, DKIM and DMARC checked through the configured resolver."""
    from digest.web.admin.health_dns import dns_checks  # loads dnspython

    return render_health(dns_checks=dns_checks())


@bp.post("/health/thresholds/<int:newsletter_id>")
@role_required(Role.ADMIN)
def save_thresholds(newsletter_id: int) -> Response | tuple[str, int]:
    """Set when a sending edition of this newsletter pauses itself."""
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None:
        raise NotFound("newsletter", newsletter_id)
    form = ThresholdForm(prefix=f"n{newsletter_id}")
    if not form.validate_on_submit():
        flash("Thresholds must be percentages between 0 and 100.")
        return render_health(status=422)
    newsletter.pause_bounce_rate = float(form.bounce_percent.data) / 100
    newsletter.pause_complaint_rate = float(form.complaint_percent.data) / 100
    db.session.commit()
    flash(f"Thresholds of {newsletter.title} saved.")
    return redirect(url_for("admin.health"))


@bp.post("/health/selftest")
@role_required(Role.ADMIN)
def run_selftest() -> Response:
    """Start the self-test; it runs outside the request (it calls this very site)."""
    form = SelfTestForm()
    form.edition.choices = _released_editions()
    if not form.validate_on_submit():
        abort(400)
    edition = get_edition(form.edition.data)
    probe = selftest.make_probe(edition.newsletter, current_settings().links)
    db.session.commit()
    app = current_app._get_current_object()
    start_selftest(app, edition.newsletter_id, probe)
    flash("Self-test started: its result appears below in a moment.")
    return redirect(url_for("admin.health"))


def start_selftest(app: Flask, newsletter_id: int, probe: selftest.Probe) -> Future:
    return _POOL.submit(_selftest, app, newsletter_id, probe)


def _selftest(app: Flask, newsletter_id: int, probe: selftest.Probe) -> None:
    def work() -> str:
        status, seconds = selftest.post_one_click(probe.url)
        db.session.rollback()  # see what the POST committed
        return selftest.outcome(probe, status, seconds)

    with app.app_context():
        try:
            record_job(SELF_TEST, newsletter_id, work)
        except Exception:  # a thread boundary: the failure is in the job history
            log.warning("one-click self-test failed", exc_info=True)
        finally:
            selftest.remove_probe(probe)
            db.session.commit()
            db.session.remove()
