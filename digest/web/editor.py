"""Editor pages: the next edition as it will be sent, with pin / exclude / subject, and approval."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from digest.deliver import delivery_counts, release_edition
from digest.edition import build_edition, make_snapshot
from digest.errors import EditionFrozen
from digest.extensions import db
from digest.models import Edition, EditionItem, Newsletter
from digest.web.preview import preview_message

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every editor page needs a signed-in user."""


@bp.get("/")
def index():
    newsletters = db.session.scalars(select(Newsletter).order_by(Newsletter.title)).all()
    editions = db.session.scalars(select(Edition).order_by(Edition.created_at.desc()).limit(30))
    return render_template(
        "editor/index.html",
        newsletters=newsletters,
        editions=editions,
        format_sections=format_sections,
    )


@bp.post("/<slug>/build")
def build(slug: str):
    newsletter = db.session.scalars(select(Newsletter).where(Newsletter.slug == slug)).first()
    if newsletter is None:
        abort(404)
    edition = build_edition(newsletter)
    db.session.commit()
    return redirect(url_for("editor.edition", edition_id=edition.id))


@bp.post("/<slug>/sections")
def sections(slug: str):
    """Keyword sections, one per line: `Sport: football, tennis`; stories matching go there."""
    newsletter = db.session.scalars(select(Newsletter).where(Newsletter.slug == slug)).first()
    if newsletter is None:
        abort(404)
    newsletter.sections = parse_sections(request.form.get("sections", "")) or None
    db.session.commit()
    return redirect(url_for("editor.index"))


def parse_sections(raw: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    for line in raw.splitlines():
        name, _, words = line.partition(":")
        keywords = [w.strip() for w in words.split(",") if w.strip()]
        if name.strip() and keywords:
            sections[name.strip()[:200]] = keywords
    return sections


def format_sections(sections: dict[str, list[str]] | None) -> str:
    return "\n".join(f"{name}: {', '.join(words)}" for name, words in (sections or {}).items())


def _edition(edition_id: int) -> Edition:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        abort(404)
    return edition


@bp.get("/edition/<int:edition_id>")
def edition(edition_id: int):
    edition = _edition(edition_id)
    return render_template(
        "editor/edition.html",
        edition=edition,
        counts=delivery_counts(edition.id) if edition.is_frozen else None,
    )


@bp.get("/edition/<int:edition_id>/preview.<kind>")
def preview(edition_id: int, kind: str):
    message = preview_message(_edition(edition_id))
    if kind == "txt":
        return message.text, 200, {"Content-Type": "text/plain; charset=utf-8"}
    return message.html


@bp.post("/edition/<int:edition_id>")
def update(edition_id: int):
    """Apply the editor's changes: subject, intro, and per-item pin / exclude."""
    edition = _edition(edition_id)
    if edition.is_frozen:
        raise EditionFrozen(edition.id)
    edition.subject = (request.form.get("subject") or edition.subject).strip()[:300]
    edition.intro = (request.form.get("intro") or "").strip() or None
    excluded = set(request.form.getlist("exclude", type=int))
    pinned = set(request.form.getlist("pin", type=int))
    for item in db.session.scalars(select(EditionItem).where(EditionItem.edition_id == edition.id)):
        item.is_excluded = item.id in excluded
        item.is_pinned = item.id in pinned
    db.session.flush()
    edition.snapshot = make_snapshot(edition)
    db.session.commit()
    return redirect(url_for("editor.edition", edition_id=edition.id))


@bp.post("/edition/<int:edition_id>/approve")
def approve(edition_id: int):
    """Release the edition; the scheduler's sender delivers it within a minute."""
    created = release_edition(_edition(edition_id))
    db.session.commit()
    return redirect(url_for("editor.edition", edition_id=edition_id, released=created))
