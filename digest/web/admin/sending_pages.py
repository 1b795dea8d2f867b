"""Sending as the admin watches it: live progress (a small JSON answer), pause and resume."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, jsonify, redirect, url_for
from werkzeug import Response

from digest.accounts import Role
from digest.deliver.progress import progress_of
from digest.edition import lifecycle
from digest.extensions import db
from digest.web.admin.newsletter_forms import ActionForm
from digest.web.auth import role_required


@role_required(Role.ADMIN)
def edition_progress(edition_id: int) -> Response:
    """The progress of one edition, for the overview page's script."""
    return jsonify(asdict(progress_of(lifecycle.get_edition(edition_id))))


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
