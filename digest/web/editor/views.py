"""Editor pages: the editions, one edition's workspace, its previews and its live progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug import Response

from digest import newsletters
from digest.accounts import Role
from digest.context import current_settings
from digest.deliver import subjects
from digest.deliver.clicks import click_history, edition_clicks
from digest.deliver.progress import counts_of
from digest.deliver.rates import click_rates
from digest.deliver.readers import readers_csv as readers_csv_of
from digest.edition import lifecycle
from digest.edition.history import edition_rows, unsubscribes_since
from digest.errors import EditionUnsendable, InvalidInput
from digest.extensions import db
from digest.models import Edition, Newsletter, utcnow
from digest.web.auth import role_required
from digest.web.editor.forms import (
    ActionForm,
    BuildForm,
    SectionsForm,
    SubjectTestForm,
    SummaryLengthForm,
    TextsForm,
)
from digest.web.editor.labels import status_label
from digest.web.editor.preview import (
    choose,
    pick_sample,
    render_for,
    samples_for,
    with_skips,
)
from digest.web.editor.respond import story_context, wants_json
from digest.web.editor.timing import describe_when, local_time
from digest.web.errors import refuse
from digest.web.security import message_response

if TYPE_CHECKING:
    from digest.edition.build import BuildReport


@role_required(Role.EDITOR)
def index() -> str:
    """Every newsletter with its build button and sections, and the editions with their counts."""
    return _index_page()


def _index_page(failed: tuple[str, SectionsForm] | None = None) -> str:
    letters = newsletters.list_newsletters()
    forms = {
        n.slug: SectionsForm(sections=newsletters.format_sections(n.sections)) for n in letters
    }
    if failed:
        forms[failed[0]] = failed[1]
    return render_template(
        "editor/index.html",
        next_slots={n.slug: next_slot_of(n) for n in letters},
        newsletters=letters,
        editions=edition_rows(limit=50),
        local_time=local_time,
        status_label=status_label,
        sections_forms=forms,
        build_form=BuildForm(),
    )


def next_slot_of(newsletter: Newsletter) -> str | None:
    """When the newsletter's next edition is due, in its own time zone, for people."""
    if not newsletter.schedule_cron or newsletter.is_paused:
        return None
    trigger = newsletters.make_trigger(newsletter.schedule_cron, newsletter.timezone)
    fire = trigger.get_next_fire_time(None, utcnow())
    return local_time(fire, newsletter.timezone) if fire else None


@role_required(Role.EDITOR)
def build(slug: str) -> Response:
    """Build the next edition, or rebuild the open draft keeping every change; say what came in."""
    from digest.edition.build import NothingNew, build_next  # loads the grouping step

    newsletter = newsletters.get_newsletter(slug)
    if not BuildForm().validate_on_submit():
        abort(400)
    try:
        report = build_next(newsletter, only_if_new=True, rates=click_rates)
    except NothingNew as nothing:
        return _nothing_new(newsletter, nothing.since)
    db.session.commit()
    flash(describe_build(report), "ok")
    return redirect(url_for("editor.edition", edition_id=report.edition.id))


def _nothing_new(newsletter: Newsletter, since: datetime) -> Response:
    """No edition made: say so on the editions page (or to a script), and since when."""
    said = (
        f"Nothing new for {newsletter.title} since {local_time(since, newsletter.timezone)}, "
        "so no edition was made. Build again once new articles have arrived."
    )
    if wants_json():
        return jsonify(ok=False, message=said)
    flash(said, "info")
    return redirect(url_for("editor.index"))


@role_required(Role.EDITOR)
def clicks(slug: str) -> str:
    """What readers of a newsletter opened over 90 days: each edition's click rate, and how
    often the stories of each source and section are clicked."""

    newsletter = newsletters.get_newsletter(slug)
    history = click_history(newsletter.id)
    best = max((e.rate for e in history.editions), default=0.0)
    return render_template("editor/clicks.html", newsletter=newsletter, history=history, best=best)


@role_required(Role.EDITOR)
def clicks_csv(edition_id: int) -> Response:
    """An edition's clicks per story as CSV (what `digest stats EDITION --csv` prints)."""
    edition = lifecycle.get_edition(edition_id)
    response = Response(edition_clicks(edition).as_csv(), mimetype="text/csv")
    name = f"edition-{edition.id}-clicks.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(Role.EDITOR)
def readers_csv(edition_id: int) -> Response:
    """Who opened what in an edition, from per-reader statistics (a newsletter's setting)."""
    edition = lifecycle.get_edition(edition_id)
    response = Response(readers_csv_of(edition), mimetype="text/csv")
    name = f"edition-{edition.id}-readers.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(Role.EDITOR)
def rebuild(edition_id: int) -> Response:
    """This draft from its sources again: new articles come in, the editor's changes stay."""
    from digest.edition.build import rebuild_edition  # loads the grouping step

    edition = lifecycle.get_edition(edition_id)
    if not BuildForm().validate_on_submit():
        abort(400)
    report = rebuild_edition(edition, click_rates)
    db.session.commit()
    flash(describe_build(report), "ok")
    return redirect(url_for("editor.edition", edition_id=edition.id))


def describe_build(report: BuildReport) -> str:
    added = len(report.added)
    if report.is_new:
        return f"Built a new edition with {added} {'story' if added == 1 else 'stories'}."
    if not added and not report.joined:
        return "Nothing new since the last build. Your changes are as you left them."
    parts = []
    if added:
        names = "; ".join(report.added[:5]) + ("; …" if added > 5 else "")
        parts.append(f"{added} new {'story' if added == 1 else 'stories'} added: {names}")
    if report.joined:
        parts.append(f"{report.joined} more report(s) joined stories already here")
    return "Rebuilt from sources. " + ". ".join(parts) + ". Your changes were kept."


@role_required(Role.EDITOR)
def sections(slug: str) -> Response | tuple[str, int]:
    """Keyword sections, one per line: `Sport: football, tennis`; stories matching go there."""
    newsletter = newsletters.get_newsletter(slug)
    form = SectionsForm()
    if not form.validate_on_submit():
        return _index_page((slug, form)), 422
    try:
        newsletters.set_sections(newsletter, form.sections.data or "")
    except InvalidInput as exc:
        return _index_page((slug, refuse(form, exc))), 422
    db.session.commit()
    flash(f"Sections of {newsletter.title} saved.", "ok")
    return redirect(url_for("editor.index"))


@role_required(Role.EDITOR)
def edition(edition_id: int) -> str:
    """The workspace: previews for a sample reader, the texts, the stories, the send controls."""
    edition = lifecycle.get_edition(edition_id)
    newsletter = edition.newsletter
    samples = with_skips(edition, current_settings(), samples_for(edition))
    sample = choose(samples, request.args.get("sample"))
    return render_template(
        "editor/edition.html",
        texts_form=TextsForm(
            subject=edition.subject, preheader=edition.preheader or "", intro=edition.intro or ""
        ),
        test_form=SubjectTestForm(
            lines="\n".join(edition.other_subjects or []),
            share=edition.test_share,
            minutes=edition.test_minutes,
        ),
        subject_test=subject_test_view(edition),
        length_form=SummaryLengthForm(
            sentences=newsletter.summary_sentences, words=newsletter.summary_words or 0
        ),
        action_form=ActionForm(sample=sample.key),
        samples=samples,
        sample=sample,
        label=status_label(edition),
        when=describe_when(edition),
        counts=None if edition.is_editable else counts_of(edition.id),
        unsubscribes=unsubscribes_since(edition),
        clicks=edition_clicks(edition) if edition.is_frozen else None,
        **story_context(edition),
    )


@role_required(Role.EDITOR)
def preview(edition_id: int, kind: str) -> Response:
    """The real message for the chosen sample reader, framable by this site: `html`, `txt` (the
    plain-text part as is) or `text` (that part as a page that keeps its lines unwrapped)."""
    if kind not in ("html", "txt", "text"):
        abort(404)
    edition = lifecycle.get_edition(edition_id)
    try:
        message = render_for(
            edition, current_settings(), pick_sample(edition, request.args.get("sample"))
        )
    except EditionUnsendable as exc:
        text = f"This edition cannot be shown: {exc.reason}"
        return message_response(text, framable=True, mimetype="text/plain")
    if kind == "txt":
        return message_response(message.text, framable=True, mimetype="text/plain")
    if kind == "text":
        page = render_template(
            "editor/text_preview.html", text=message.text, subject=message.subject
        )
        return message_response(page, framable=True)
    return message_response(message.html, framable=True)


@role_required(Role.EDITOR)
def progress(edition_id: int) -> Response:
    """Delivery counts and status, polled by the page while the edition is sending."""
    edition = lifecycle.get_edition(edition_id)
    counts = counts_of(edition.id)
    total = sum(counts[k] for k in ("pending", "retrying", "sent", "failed", "skipped"))
    label = status_label(edition)
    return jsonify(
        status=edition.status.value,
        badge=label.key,
        label=label.word,
        is_finished=edition.status.value in ("sent", "cancelled"),
        pause_reason=edition.pause_reason,
        total=total,
        unsubscribes=unsubscribes_since(edition),
        **{k: counts[k] for k in ("sent", "retrying", "pending", "failed", "skipped")},
    )


def subject_test_view(edition: Edition) -> dict | None:
    """A released edition's subject test as its card shows it (None without one): live while
    it runs, with each line's chance of being best; as it stood at the decision after."""
    if not (edition.is_frozen and edition.has_subject_test):
        return None
    with db.engine.connect() as connection:
        state = subjects.test_state(connection, edition.id)
    if state is None:
        return None
    zone = edition.newsletter.timezone
    if state.is_decided and edition.test_results:
        fields = subjects.RESULT_FIELDS
        results = [subjects.LineResult(*(r[k] for k in fields)) for r in edition.test_results]
        chances: list[float | None] = [None] * len(results)
    else:
        results, chances = state.results, list(state.chances)
    rows = [
        {
            "line": r.line,
            "letter": subjects.letter(r.line),
            "subject": r.subject,
            "delivered": r.delivered,
            "clickers": r.clickers,
            "rate": r.rate,
            "chance": _chance(chance),
        }
        for r, chance in zip(results, chances, strict=True)
    ]
    return {
        "is_decided": state.is_decided,
        "winner": state.winner,
        "decision": state.decision,
        "decided_at_local": local_time(state.decided_at, zone) if state.decided_at else "",
        "decide_by_local": local_time(state.decide_by, zone),
        "waiting": state.waiting,
        "sample_pending": state.sample_pending,
        "rows": rows,
    }


def _chance(chance: float | None) -> str:
    if chance is None:
        return ""
    if chance > 0.999:
        return "over 99.9%"
    if chance < 0.001:
        return "under 0.1%"
    return f"{chance:.0%}" if 0.01 <= chance <= 0.99 else f"{chance:.1%}"
