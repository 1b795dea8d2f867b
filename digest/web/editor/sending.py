"""Going out: approve, hold, cancel, send now, edit again, and a test to the signed-in editor."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, url_for
from flask_login import current_user
from werkzeug import Response

from digest.accounts import Role
from digest.context import current_settings
from digest.deliver import subjects
from digest.deliver.compose import NothingToSend
from digest.edition import lifecycle
from digest.errors import EditionUnsendable
from digest.extensions import db, limiter
from digest.models import Edition
from digest.web.auth import role_required
from digest.web.confirm import ask_first
from digest.web.editor.forms import ActionForm, ChooseLineForm
from digest.web.editor.preview import notice_for_test, pick_sample
from digest.web.editor.respond import answer, refusals
from digest.web.editor.timing import describe_when
from digest.web.mailer import queue_mail

TEST_LIMITS = "5/minute;30/hour"


Question = Callable[[Edition], tuple[str, str, str]]


def _act(
    edition_id: int, change: Callable[[Edition], str], ask: Question | None = None
) -> Response:
    """`change` the edition once the form is valid (and, for a step with `ask`, answered)."""
    edition = lifecycle.get_edition(edition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if ask is not None:
        question, consequence, yes = ask(edition)
        back = url_for("editor.edition", edition_id=edition.id)
        if (page := ask_first(question, consequence, yes=yes, back=back)) is not None:
            return page  # type: ignore[return-value]
    message = change(edition)
    db.session.commit()
    return answer(edition, message)


@role_required(Role.EDITOR)
@refusals
def approve(edition_id: int) -> Response:
    """Approved before its slot it waits for the slot; after the slot it goes at once."""

    def change(edition: Edition) -> str:
        lifecycle.approve(edition)
        return describe_when(edition)

    return _act(edition_id, change)


@role_required(Role.EDITOR)
@refusals
def send_now(edition_id: int) -> Response:
    def change(edition: Edition) -> str:
        lifecycle.send_now(edition)
        return "Sending now: the scheduler starts within a minute."

    def ask(edition: Edition) -> tuple[str, str, str]:
        started = edition.status is lifecycle.S.PAUSED and edition.is_frozen
        if started:
            return (
                f"Resume sending “{edition.subject}”?",
                "Readers who have not received it yet get it within a minute.",
                "Resume sending",
            )
        return (
            f"Send “{edition.subject}” now?",
            "It goes to every reader within a minute, ahead of its slot; "
            "a sent mail cannot be called back.",
            "Send it now",
        )

    return _act(edition_id, change, ask)


@role_required(Role.EDITOR)
@refusals
def choose_subject(edition_id: int) -> Response:
    """End a subject test now: the chosen line goes to every reader still waiting."""
    edition = lifecycle.get_edition(edition_id)
    form = ChooseLineForm()
    if not form.validate_on_submit() or form.line.data >= len(edition.subject_lines):
        abort(400)
    line = form.line.data
    name = f"{subjects.letter(line)} “{edition.subject_lines[line]}”"
    question = f"Send {name} to every reader still waiting?"
    consequence = "The subject test ends now, whatever the clicks say later; this cannot be undone."
    back = url_for("editor.edition", edition_id=edition.id)
    if page := ask_first(question, consequence, yes=f"Send {subjects.letter(line)}", back=back):
        return page  # type: ignore[return-value]
    db.session.rollback()
    with db.engine.connect() as connection:
        decided = subjects.choose(connection, edition.id, line, current_user.email)
    db.session.expire_all()
    if decided is None:
        return answer(edition, "The subject test was already decided.", ok=False)
    return answer(edition, f"Chosen: {name} goes to the rest within a minute.")


@role_required(Role.EDITOR)
@refusals
def hold(edition_id: int) -> Response:
    def change(edition: Edition) -> str:
        lifecycle.hold(edition, current_user.email)
        return "Held. Nothing more goes out until an editor approves, resumes or sends it now."

    return _act(edition_id, change)


@role_required(Role.EDITOR)
@refusals
def reopen(edition_id: int) -> Response:
    """Back to a draft that can be changed (not once anything was sent)."""

    def change(edition: Edition) -> str:
        lifecycle.transition(edition, lifecycle.S.DRAFT)
        return "Back to draft: change it, then approve it again."

    return _act(edition_id, change)


@role_required(Role.EDITOR)
@refusals
def cancel(edition_id: int) -> Response:
    def change(edition: Edition) -> str:
        lifecycle.cancel(edition)
        return "Cancelled. Nothing more of this edition goes out."

    def ask(edition: Edition) -> tuple[str, str, str]:
        if edition.is_frozen:
            return (
                f"Cancel the rest of “{edition.subject}”?",
                "Readers who have not received it yet never will; this cannot be undone.",
                "Cancel the rest",
            )
        return (
            f"Cancel “{edition.subject}”?",
            "It will never be sent and cannot be edited again; this cannot be undone.",
            "Cancel edition",
        )

    return _act(edition_id, change, ask)


@role_required(Role.EDITOR)
@limiter.limit(TEST_LIMITS, key_func=lambda: f"test-send:{current_user.get_id()}")
@refusals
def send_test(edition_id: int) -> Response:
    """The edition as the chosen sample reader gets it, to the signed-in editor; no ledger row."""
    edition = lifecycle.get_edition(edition_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    settings = current_settings()
    sample = pick_sample(edition, form.sample.data)
    try:
        notice = notice_for_test(edition, settings, sample, current_user.email)
    except (EditionUnsendable, NothingToSend) as exc:
        said = getattr(exc, "reason", None) or str(exc)
        return answer(edition, f"No test sent: {said}.", ok=False, status=exc.http_status)
    db.session.rollback()  # nothing to save: a test leaves no trace but the mail
    queue_mail(notice, "test send")
    db.session.commit()
    return answer(edition, f"Test sent to {current_user.email}. Check your inbox.")
