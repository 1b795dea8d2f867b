"""Admin pages: sign-in, newsletters, sources with their health, job history, delivery progress."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from digest.deliver import delivery_counts
from digest.extensions import db, limiter
from digest.models import Edition, JobRun, Newsletter, Source, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def login():
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        user = db.session.scalars(select(User).where(User.email == email)).first()
        if user and check_password_hash(user.password_hash, request.form.get("password", "")):
            login_user(user)
            return redirect(request.args.get("next") or url_for("editor.index"))
        flash("Wrong email or password.")
    return render_template("admin/login.html")


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("public.index"))


@bp.get("/")
@login_required
def dashboard():
    newsletters = db.session.scalars(select(Newsletter).order_by(Newsletter.title)).all()
    sources = db.session.scalars(select(Source).order_by(Source.newsletter_id, Source.name)).all()
    jobs = db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc()).limit(30)).all()
    editions = db.session.scalars(select(Edition).order_by(Edition.created_at.desc()).limit(20))
    progress = [(e, delivery_counts(e.id)) for e in editions]
    return render_template(
        "admin/dashboard.html",
        newsletters=newsletters,
        sources=sources,
        jobs=jobs,
        progress=progress,
    )


@bp.post("/newsletter/<int:newsletter_id>/pause")
@login_required
def toggle_pause(newsletter_id: int):
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is not None:
        newsletter.is_paused = not newsletter.is_paused
        db.session.commit()
        flash(f"{newsletter.title} is {'paused' if newsletter.is_paused else 'running'}.")
    return redirect(url_for("admin.dashboard"))
