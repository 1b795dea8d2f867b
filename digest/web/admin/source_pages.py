"""Admin source pages: each source's health; add after a look, upload, resume, poll, remove."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug import Response

from digest import newsletters
from digest.accounts import Role
from digest.context import current_settings
from digest.errors import DigestError
from digest.extensions import db
from digest.web.admin.newsletter_choice import newsletter_in_view
from digest.web.admin.newsletter_forms import ActionForm
from digest.web.admin.newsletter_pages import newsletter_or_404
from digest.web.admin.source_forms import (
    AddSourceForm,
    LookForm,
    MailSourceForm,
    RenameSourceForm,
    UploadForm,
    rename_form,
)
from digest.web.auth import role_required
from digest.web.confirm import ask_first
from digest.web.errors import refuse
from digest.web.routing import is_id


@role_required(Role.ADMIN)
def sources_page() -> str:
    """Every source (of one newsletter with ?newsletter=ID) with its health and actions."""
    return _page(LookForm(prefix="look"), UploadForm(prefix="upload"))


def _page(
    look: LookForm,
    upload: UploadForm,
    found=None,
    add=None,
    renaming=None,
    status=200,
    inbound: MailSourceForm | None = None,
):
    letters = newsletters.list_newsletters()
    in_view = newsletter_in_view(letters)
    chosen = in_view.id if in_view else None
    inbound = inbound or MailSourceForm(prefix="inbound")
    for form in (look, upload, inbound):
        form.newsletter.offer(letters, in_view)
    sources = _sources().list_sources(chosen)
    renames = {h.source.id: rename_form(h.source.id, h.source.name) for h in sources}
    if renaming is not None:
        renames[renaming[0]] = renaming[1]  # the form sent, with its errors
    page = render_template(
        "admin/sources.html",
        sources=sources,
        renames=renames,
        renaming_id=renaming[0] if renaming else None,
        newsletters={n.id: n for n in letters},
        chosen=chosen,
        look=look,
        upload=upload,
        inbound=inbound,
        found=found,
        add=add,
        action=ActionForm(),
    )
    return page, status


@role_required(Role.ADMIN)
def add_mail_source_page() -> Response | tuple[str, int]:
    """A mail source and its signed address, shown on its own page to copy."""
    inbound = MailSourceForm(prefix="inbound")
    inbound.newsletter.offer(newsletters.list_newsletters())
    if not inbound.validate_on_submit():
        return _page(
            LookForm(prefix="look"), UploadForm(prefix="upload"), inbound=inbound, status=422
        )
    from digest.ingest.inbox import add_mail_source

    source = add_mail_source(newsletter_or_404(inbound.newsletter.data), inbound.name.data)
    db.session.commit()
    flash("Subscribe other newsletters with the address below.", "ok")
    return redirect(url_for("admin.mail_source_page", source_id=source.id))


@role_required(Role.ADMIN)
def look_at_source() -> tuple[str, int]:
    """Fetch an address once and show what it has; nothing is stored yet."""
    look = LookForm(prefix="look")
    look.newsletter.offer(newsletters.list_newsletters())
    if not look.validate_on_submit():
        return _page(look, UploadForm(prefix="upload"), status=422)
    try:
        found = _sources().look_at(look.url.data, current_settings().ingest)
    except DigestError as exc:  # a fetch that failed is about the address, too
        return _page(refuse(look, exc, default="url"), UploadForm(prefix="upload"), status=422)
    add = AddSourceForm(
        prefix="add", newsletter=look.newsletter.data, url=found.url, name=found.title or ""
    )
    return _page(look, UploadForm(prefix="upload"), found=found, add=add)


@role_required(Role.ADMIN)
def add_source_page() -> Response:
    """Add the address looked at (the admin saw what it has)."""
    form = AddSourceForm(prefix="add")
    if not form.validate_on_submit() or not is_id(form.newsletter.data):
        abort(400)
    newsletter = newsletter_or_404(int(form.newsletter.data))
    from digest.ingest.poll import add_source

    url = _sources().check_url(form.url.data)
    source = add_source(newsletter, url, form.name.data or None)
    db.session.commit()
    flash(f"{source.name} is a source of {newsletter.title}; it is polled with the others.", "ok")
    return redirect(url_for("admin.sources_page", newsletter=newsletter.id))


@role_required(Role.ADMIN)
def upload_articles() -> Response | tuple[str, int]:
    """Store the articles of uploaded files; a bad file is named and the others are kept."""
    upload = UploadForm(prefix="upload")
    upload.newsletter.offer(newsletters.list_newsletters())
    is_valid = upload.validate_on_submit()
    files = [f for f in upload.files.data or [] if getattr(f, "filename", "")]
    if not files:
        upload.files.errors = list(upload.files.errors) + ["Choose at least one file."]
    if not (is_valid and files):
        return _page(LookForm(prefix="look"), upload, status=422)
    from digest.ingest.imports import Upload, import_articles  # loads the ingest step

    newsletter = newsletter_or_404(upload.newsletter.data)
    added, problems = 0, []
    for file in files:  # one at a time: a bad file is named and the others are kept
        try:
            added += import_articles(newsletter, [Upload(file.filename, file.read())]).added
        except DigestError as exc:
            problems.append(str(exc))
    db.session.commit()
    flash(f"{added} article(s) added to {newsletter.title}.", "ok")
    for problem in problems:
        flash(problem)
    return redirect(url_for("admin.sources_page", newsletter=newsletter.id))


@role_required(Role.ADMIN)
def rename_source_page(source_id: int) -> Response | tuple[str, int]:
    """Give a source the name readers see next to its stories."""
    source = _sources().get_source(source_id)
    form = RenameSourceForm(prefix=f"rename-{source_id}")
    if form.validate_on_submit():
        try:
            _sources().rename_source(source, form.name.data)
        except DigestError as exc:
            refuse(form, exc, default="name")
        else:
            db.session.commit()
            flash(f"The source is now called {source.name}.", "ok")
            return redirect(url_for("admin.sources_page", newsletter=source.newsletter_id))
    look, upload = LookForm(prefix="look"), UploadForm(prefix="upload")
    return _page(look, upload, renaming=(source_id, form), status=422)


@role_required(Role.ADMIN)
def source_action(source_id: int, verb: str) -> Response:
    """Resume a paused source, poll one now, or remove one."""
    source = _sources().get_source(source_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    newsletter_id, name, category = source.newsletter_id, source.name, "ok"
    if verb == "remove":
        page = ask_first(
            f"Remove {name}?",
            "It is no longer polled, and its articles that no other source has are deleted; "
            "editions already sent keep their stories. This cannot be undone.",
            yes="Remove it",
            back=url_for("admin.sources_page", newsletter=newsletter_id),
        )
        if page is not None:
            return page  # type: ignore[return-value]
    if verb == "resume":
        _sources().resume_source(source)
        message = f"{name} is resumed."
    elif verb == "poll":
        outcome = _sources().poll_one(source, current_settings().ingest)
        message, category = _polled(name, outcome), "error" if outcome.error else "ok"
    else:
        gone = _sources().remove_source(source)
        message = f"{name} is removed, with {gone} article(s) no other source had."
    db.session.commit()
    flash(message, category)
    return redirect(url_for("admin.sources_page", newsletter=newsletter_id))


def _polled(name: str, outcome) -> str:
    if outcome.error:
        return f"{name} failed: {outcome.error}"
    if outcome.is_not_modified:
        return f"{name}: nothing changed since the last poll."
    r = outcome.result
    rejected = f", {len(r.rejected)} rejected ({r.rejected[0].reason})" if r.rejected else ""
    return f"{name}: {r.added} new, {r.updated} updated, {r.unchanged} unchanged{rejected}."


def _sources():
    """The ingest step, loaded on first use: feed parsing and page extraction are heavy, and
    every web worker and `flask digest --help` would pay for them at start."""
    from digest.ingest import sources

    return sources
