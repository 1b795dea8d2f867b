"""How an editor's change is answered: JSON with the refreshed story list for our script,
or a flash and a redirect back to the edition for a plain form post (no JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import flash, jsonify, redirect, render_template, request, url_for
from werkzeug import Response

from digest.edition.lifecycle import get_edition
from digest.errors import InvalidInput, InvalidTransition
from digest.models import Edition
from digest.web.errors import refused

P = ParamSpec("P")


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "digest-editor"


def answer(edition: Edition, message: str, *, ok: bool = True, status: int = 200) -> Response:
    """Saved (or refused) with `message`: JSON for the script, else flash and redirect."""
    if wants_json():
        body = {"ok": ok, "message": message, "status": edition.status.value}
        if edition.is_editable:
            body["stories"] = render_template("editor/_stories.html", **story_context(edition))
        return jsonify(body), status  # type: ignore[return-value]
    flash(message, "ok" if ok else "error")
    anchor = "stories" if edition.is_editable else "top"
    return redirect(url_for("editor.edition", edition_id=edition.id, _anchor=anchor), 303)


def refusals(view: Callable[P, Response]) -> Callable[P, Response]:
    """Bad input or a refused transition: nothing saved, the reason said where the editor is."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return view(*args, **kwargs)
        except (InvalidInput, InvalidTransition) as exc:
            said = refused(exc)
            edition = get_edition(kwargs["edition_id"])  # type: ignore[arg-type]
            return answer(edition, said, ok=False, status=exc.http_status)

    return guarded


def form_problem(form) -> str:
    """The first error of a form, as one sentence."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        return f"{label}: {errors[0]}"
    return "Please check what you entered."


def story_context(edition: Edition) -> dict:
    from digest.deliver.clicks import click_history
    from digest.edition.snapshot import ordered_sections
    from digest.web.editor.forms import FlagForm, RenameForm, SectionMoveForm, StoryForm

    return {
        "edition": edition,
        "sections": ordered_sections(edition),
        "flag_form": FlagForm(),
        "story_form": StoryForm(),
        "move_form": SectionMoveForm(),
        "rename_form": RenameForm(),
        # how often readers clicked each source's and section's stories lately
        "history": click_history(edition.newsletter_id) if edition.is_editable else None,
    }
