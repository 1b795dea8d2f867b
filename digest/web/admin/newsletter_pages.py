"""Admin newsletter pages: the list, create, edit (with the schedule in words) and archive."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug import Response

from digest import newsletters
from digest.accounts import Role
from digest.context import current_settings
from digest.crontab import BadSchedule
from digest.errors import AlreadyExists, DigestError, InvalidInput, NotFound
from digest.extensions import db
from digest.models import Newsletter
from digest.web.admin.newsletter_forms import ActionForm, NewsletterForm
from digest.web.auth import role_required
from digest.web.confirm import ask_first
from digest.web.errors import refuse


def newsletter_or_404(newsletter_id: int) -> Newsletter:
    newsletter = db.session.get(Newsletter, newsletter_id)
    if newsletter is None:
        raise NotFound("newsletter", newsletter_id)
    return newsletter


@role_required(Role.ADMIN)
def newsletters_page() -> str:
    """Every newsletter with its schedule in words and its next run."""
    return render_template(
        "admin/newsletters.html",
        newsletters=newsletters.list_newsletters(),
        action=ActionForm(),
        next_runs=newsletters.next_runs,
    )


@role_required(Role.ADMIN)
def new_newsletter() -> str | Response | tuple[str, int]:
    """Create a newsletter with every setting at once."""
    form = NewsletterForm()
    if not form.is_submitted():
        return _form_page(form, None)
    newsletter = _save(form, None)
    if newsletter is None:
        return _form_page(form, None), 422
    db.session.commit()
    flash(f"{newsletter.title} is created.", "ok")
    return redirect(url_for("admin.edit_newsletter", newsletter_id=newsletter.id))


@role_required(Role.ADMIN)
def edit_newsletter(newsletter_id: int) -> str | Response | tuple[str, int]:
    """Change a newsletter's settings; the scheduler follows within a minute."""
    newsletter = newsletter_or_404(newsletter_id)
    form = NewsletterForm.of(newsletter)
    if not form.is_submitted():
        return _form_page(form, newsletter)
    if _save(form, newsletter) is None:
        return _form_page(form, newsletter_or_404(newsletter_id)), 422
    db.session.commit()
    flash(f"{newsletter.title} is saved.", "ok")
    return redirect(url_for("admin.edit_newsletter", newsletter_id=newsletter.id))


def _save(form: NewsletterForm, newsletter: Newsletter | None) -> Newsletter | None:
    """Store the form's settings; or None, with every problem beside its field at once: the
    form's own checks and the operation's, for the fields the form found no fault with."""
    is_valid = form.validate()
    problems = newsletters.setting_problems(form.settings(), newsletter)
    for problem in problems:
        _show(form, problem)
    if not is_valid or problems:
        return None
    values = form.settings()
    try:
        if newsletter is None:
            newsletter = newsletters.create_newsletter(
                values["slug"], values["title"], values["from_email"]
            )
        return newsletters.update_newsletter(newsletter, **values)
    except (InvalidInput, AlreadyExists) as exc:  # taken by another admin a moment ago
        for problem in getattr(exc, "problems", [exc]):
            _show(form, problem)
        return None


def _show(form: NewsletterForm, problem: DigestError) -> None:
    """A problem beside its field, unless the form already said what is wrong there; a bad
    schedule in its own words, without the line the admin can see in the field."""
    field = form._fields.get(problem.field or "")
    if field is not None and field.errors:
        return
    words = problem.reason if isinstance(problem, BadSchedule) else None
    refuse(form, problem, words and words[:1].upper() + words[1:] + ".")


@role_required(Role.ADMIN)
def archive_newsletter(newsletter_id: int) -> Response:
    """Archive a newsletter (paused, hidden from visitors), or bring an archived one back."""
    newsletter = newsletter_or_404(newsletter_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not newsletter.is_archived:
        page = ask_first(
            f"Archive {newsletter.title}?",
            "It is paused at once: no edition is built or sent, and visitors no longer see it "
            "or its subscribe form. Its readers, editions and sources are kept; "
            "unarchive it to bring it back.",
            yes="Archive it",
            back=url_for("admin.newsletters_page"),
        )
        if page is not None:
            return page  # type: ignore[return-value]
    newsletters.set_archived(newsletter, not newsletter.is_archived)
    db.session.commit()
    state = "archived" if newsletter.is_archived else "back (still paused: resume it on Jobs)"
    flash(f"{newsletter.title} is {state}.", "ok")
    return redirect(url_for("admin.newsletters_page"))


def _form_page(form: NewsletterForm, newsletter: Newsletter | None) -> str:
    cron, zone = form.schedule_cron.data, form.timezone.data
    try:
        words, runs = newsletters.describe_schedule(cron, zone), newsletters.next_runs(cron, zone)
    except DigestError:
        words, runs = None, []
    return render_template(
        "admin/newsletter_form.html",
        form=form,
        newsletter=newsletter,
        schedule_words=words,
        runs=runs,
        unpicked_topics=newsletters.topics_without_stories(newsletter) if newsletter else [],
        recent_editions=newsletters.RECENT_EDITIONS,
        site_postal_address=current_settings().edition.postal_address,
        action=ActionForm(),
        section="admin.newsletters_page",
    )
