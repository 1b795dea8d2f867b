"""Sending as the admin watches it: live progress (a small JSON answer), pause and resume."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import abort, flash, jsonify, redirect, url_for
from sqlalchemy import func, select
from werkzeug import Response

from digest.accounts import Role
from digest.deliver.progress import counts_of
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Delivery, DeliveryStatus, Edition, EditionStatus, utcnow
from digest.web.admin import bp
from digest.web.admin.newsletter_forms import ActionForm
from digest.web.auth import role_required

RATE_WINDOW = timedelta(seconds=60)
WATCHED = (EditionStatus.APPROVED, EditionStatus.SENDING, EditionStatus.PAUSED)


@dataclass
class Progress:
    edition_id: int
    status: str
    pause_reason: str | None
    sent: int
    failed: int
    skipped: int
    waiting: int  # pending and retrying
    total: int
    rate: float  # messages a second over the last minute
    eta_seconds: int | None
    is_finished: bool


def progress_of(edition: Edition) -> Progress:
    """Counts from the ledger, the rate of the last minute and the time left at that rate."""
    counts = counts_of(edition.id)
    waiting = counts["pending"] + counts["retrying"]
    total = counts["sent"] + counts["failed"] + counts["skipped"] + waiting
    recent = db.session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.edition_id == edition.id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.sent_at >= utcnow() - RATE_WINDOW,
        )
    )
    rate = (recent or 0) / RATE_WINDOW.total_seconds()
    return Progress(
        edition_id=edition.id,
        status=edition.status.value,
        pause_reason=edition.pause_reason,
        sent=counts["sent"],
        failed=counts["failed"],
        skipped=counts["skipped"],
        waiting=waiting,
        total=total,
        rate=round(rate, 2),
        eta_seconds=round(waiting / rate) if rate and waiting else None,
        is_finished=edition.status in (EditionStatus.SENT, EditionStatus.CANCELLED),
    )


def watched_editions() -> list[Edition]:
    """Editions on their way out (approved, sending, paused), then the five latest finished."""
    active = db.session.scalars(
        select(Edition).where(Edition.status.in_(WATCHED)).order_by(Edition.id.desc())
    ).all()
    done = db.session.scalars(
        select(Edition)
        .where(Edition.status == EditionStatus.SENT)
        .order_by(Edition.finished_at.desc())
        .limit(5)
    ).all()
    return list(active) + list(done)


@bp.get("/editions/<int:edition_id>/progress.json")
@role_required(Role.ADMIN)
def edition_progress(edition_id: int) -> Response:
    """The progress of one edition, for the overview page's script."""
    return jsonify(asdict(progress_of(lifecycle.get_edition(edition_id))))


@bp.post("/editions/<int:edition_id>/<any(pause, resume):verb>")
@role_required(Role.ADMIN)
def pause_edition(edition_id: int, verb: str) -> Response:
    """Pause a sending edition (senders stop after their batch) or resume a paused one."""
    edition = lifecycle.get_edition(edition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if verb == "pause":
        lifecycle.pause(edition, "paused by an admin")
    else:
        lifecycle.resume(edition)
    db.session.commit()
    flash(f"Edition {edition.id} is {edition.status.value}.", "ok")
    return redirect(url_for("admin.dashboard"))
