"""Every error becomes a response here, in one place: a styled page, or JSON under /api/;
and a refusal a page answers itself (a form shown again) is undone and worded here too."""

from __future__ import annotations

import time
from typing import TypeVar

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests

from digest.errors import DigestError
from digest.extensions import db, limiter

TITLES = {
    400: "This request could not be understood",
    401: "Sign-in needed",
    403: "You may not see this page",
    404: "Page not found",
    405: "This page does not accept that",
    409: "This cannot be done now",
    422: "Please check what you entered",
    429: "Too many requests",
    500: "Something went wrong on our side",
}


def register(app: Flask) -> None:
    """Map DigestError and the HTTP errors a visitor can meet to one response each."""
    app.register_error_handler(DigestError, digest_error)
    app.register_error_handler(TooManyRequests, too_many_requests)
    app.register_error_handler(InternalServerError, internal_error)
    app.register_error_handler(HTTPException, http_error)


F = TypeVar("F", bound=FlaskForm)


def refused(error: DigestError) -> str:
    """Undo what the request changed; the refusal as a sentence for the person who asked."""
    db.session.rollback()
    text = str(error).strip()
    ended = text.endswith((".", ".)", "!", "?"))  # "... (It should have a period.)" is a sentence
    return text[:1].upper() + text[1:] + ("" if ended else ".")


def refuse(form: F, error: DigestError, text: str | None = None, default: str | None = None) -> F:
    """Undo what the request changed and show the refusal (or `text`) beside the field it names,
    else beside `default`, else above the form."""
    said = refused(error)
    name = _form_field(form, error.field) or default
    if name is None:
        form.form_errors.append(text or said)
    else:
        form[name].errors = [*form[name].errors, text or said]
    return form


def _form_field(form: FlaskForm, parameter: str | None) -> str | None:
    """The form's field for an operation's parameter: the same name, unless the form maps it
    to another in its `operation_fields`."""
    name = getattr(form, "operation_fields", {}).get(parameter, parameter)
    return name if name in form else None


def digest_error(error: DigestError) -> tuple[Response | str, int]:
    """A DigestError answers with its own status and message."""
    db.session.rollback()
    return error_response(error.http_status, str(error))


def http_error(error: HTTPException) -> tuple[Response | str, int]:
    """An HTTP error (403, 404, 405...) with its standard explanation."""
    return error_response(error.code or 500, error.description or "")


def too_many_requests(error: TooManyRequests) -> tuple[Response | str, int, dict[str, str]]:
    """429 with a Retry-After header telling the client when to try again."""
    seconds = retry_after()
    body, status = error_response(429, "Please wait a little and try again.", retry_after=seconds)
    return body, status, {"Retry-After": str(seconds)}


def internal_error(error: InternalServerError) -> tuple[Response | str, int]:
    """500 without details; the session is rolled back so the next request starts clean."""
    db.session.rollback()
    return error_response(500, "The error is logged; please try again later.")


def retry_after() -> int:
    """Seconds until the limit that was hit resets (60 when unknown)."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, int(limit.reset_at - time.time()))


def error_response(
    status: int, message: str, *, retry_after: int | None = None
) -> tuple[Response | str, int]:
    """JSON under /api/, the error page elsewhere."""
    if request.path.startswith("/api/"):
        return jsonify(error=message), status
    title = TITLES.get(status, "Something is not right")
    page = render_template(
        "error.html", status=status, title=title, message=message, retry_after=retry_after
    )
    return page, status
