"""Ask before a step that cannot be undone.

A destructive button posts its form as usual; the view, once the form is valid, calls
`ask_first`. Without the answer the view gets back the page that asks (the question, what
follows from it, the button that does it and the way back), whose form posts the same fields
to the same address with the answer and the way back (`back`) added. So the step runs only
after a second, deliberate click, with or without JavaScript, and a replayed first click only
asks again.
"""

from __future__ import annotations

from flask import render_template, request

ANSWER = "confirmed"


def ask_first(question: str, consequence: str, *, yes: str, back: str) -> str | None:
    """None when this request carries the answer; otherwise the page that asks `question`."""
    if request.form.get(ANSWER) == "yes":
        return None
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", ANSWER, "back")
    ]
    return render_template(
        "staff/confirm.html",
        question=question,
        consequence=consequence,
        yes=yes,
        back=back,
        action=request.path,
        fields=kept,
    )
