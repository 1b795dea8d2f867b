"""Editor views: each parses its form, calls one operation, commits and answers."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug import Response

from digest import newsletters
from digest.accounts import Role
from digest.app import current_settings
from digest.deliver.preview import preview_message
from digest.deliver.progress import counts_of
from digest.edition import lifecycle
from digest.edition.overrides import apply_overrides
from digest.errors import InvalidInput
from digest.extensions import db
from digest.models import Edition
from digest.web.auth import role_required
from digest.web.editor import bp
from digest.web.editor.forms import ApproveForm, BuildForm, OverridesForm, SectionsForm
from digest.web.security import message_response


@bp.get("/")
@role_required(Role.EDITOR)
def index() -> str:
    """Every newsletter with its build button and sections, and the latest editions."""
    return _index_page()


def _index_page(failed: tuple[str, SectionsForm] | None = None) -> str:
    letters = newsletters.list_newsletters()
    forms = {
        n.slug: SectionsForm(sections=newsletters.format_sections(n.sections)) for n in letters
    }
    if failed:
        forms[failed[0]] = failed[1]
    editions = db.session.scalars(select(Edition).order_by(Edition.created_at.desc()).limit(30))
    return render_template(
        "editor/index.html",
        newsletters=letters,
        editions=editions,
        sections_forms=forms,
        build_form=BuildForm(),
    )


@bp.post("/<slug>/build")
@role_required(Role.EDITOR)
def build(slug: str) -> Response:
    """Build the next edition of a newsletter from the articles gathered since the last one."""
    from digest.edition.build import build_edition  # loads the grouping step

    newsletter = newsletters.get_newsletter(slug)
    if not BuildForm().validate_on_submit():
        abort(400)
    edition = build_edition(newsletter)
    db.session.commit()
    return redirect(url_for("editor.edition", edition_id=edition.id))


@bp.post("/<slug>/sections")
@role_required(Role.EDITOR)
def sections(slug: str) -> Response | tuple[str, int]:
    """Keyword sections, one per line: `Sport: football, tennis`; stories matching go there."""
    newsletter = newsletters.get_newsletter(slug)
    form = SectionsForm()
    if form.validate_on_submit():
        try:
            newsletters.set_sections(newsletter, form.sections.data or "")
        except InvalidInput as exc:
            form.sections.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(url_for("editor.index"))
    db.session.rollback()
    return _index_page((slug, form)), 422


@bp.get("/edition/<int:edition_id>")
@role_required(Role.EDITOR)
def edition(edition_id: int) -> str:
    """The edition with its overrides form, approval button and previews."""
    edition = lifecycle.get_edition(edition_id)
    return _edition_page(edition, OverridesForm.of(edition))


def _edition_page(edition: Edition, form: OverridesForm) -> str:
    return render_template(
        "editor/edition.html",
        edition=edition,
        form=form,
        approve_form=ApproveForm(),
        counts=counts_of(edition.id) if edition.is_frozen else None,
    )


@bp.get("/edition/<int:edition_id>/preview.<kind>")
@role_required(Role.EDITOR)
def preview(edition_id: int, kind: str) -> Response:
    """The edition as a subscriber will get it: `html` or `txt`."""
    if kind not in ("html", "txt"):
        abort(404)
    message = preview_message(lifecycle.get_edition(edition_id), current_settings())
    if kind == "txt":
        return message_response(message.text, framable=True, mimetype="text/plain")
    return message_response(message.html, framable=True)


@bp.post("/edition/<int:edition_id>")
@role_required(Role.EDITOR)
def update(edition_id: int) -> Response | tuple[str, int]:
    """Apply the editor's changes: subject, intro, and per-item pin / exclude."""
    edition = lifecycle.get_edition(edition_id)
    form = OverridesForm.of(edition)
    if not form.validate_on_submit():
        return _edition_page(edition, form), 422
    apply_overrides(
        edition,
        form.subject.data,
        form.intro.data,
        pinned=set(form.pin.data or []),
        excluded=set(form.exclude.data or []),
    )
    db.session.commit()
    return redirect(url_for("editor.edition", edition_id=edition.id))


@bp.post("/edition/<int:edition_id>/approve")
@role_required(Role.EDITOR)
def approve(edition_id: int) -> Response:
    """Approve the edition; the scheduler releases and delivers it within a minute."""
    edition = lifecycle.get_edition(edition_id)
    if not ApproveForm().validate_on_submit():
        abort(400)
    lifecycle.approve(edition)
    db.session.commit()
    return redirect(url_for("editor.edition", edition_id=edition_id))
