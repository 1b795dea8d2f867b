"""Shaping a draft, one small change per request, each saved at once.

Our script posts these forms and gets JSON back (a message and the refreshed
story list); without JavaScript the same forms post, flash and redirect.
"""

from __future__ import annotations

from werkzeug import Response

from digest import newsletters
from digest.accounts import Role
from digest.edition import overrides
from digest.edition.lifecycle import get_edition
from digest.extensions import db
from digest.web.auth import role_required
from digest.web.editor.forms import (
    FlagForm,
    OrderForm,
    RenameForm,
    SectionMoveForm,
    StoryForm,
    SubjectTestForm,
    SummaryLengthForm,
    TextsForm,
)
from digest.web.editor.respond import answer, form_problem, refusals

FLAGS = {
    "pin": ({"pinned": True}, "Pinned: {} leads its section."),
    "unpin": ({"pinned": False}, "Unpinned: {}."),
    "exclude": ({"excluded": True}, "Left out: {}."),
    "include": ({"excluded": False}, "Back in: {}."),
}
MOVES = {"up": (-1, "Moved up: {}."), "down": (1, "Moved down: {}.")}
STUCK = {
    overrides.Stuck.FIRST: "Nothing moved: {} is already first in {}.",
    overrides.Stuck.LAST: "Nothing moved: {} is already last in {}.",
    overrides.Stuck.UNDER_PINNED: (
        "Nothing moved: {} is already as high as it can go in {}: pinned stories stay above it."
    ),
    overrides.Stuck.OVER_UNPINNED: (
        "Nothing moved: {} is the lowest pinned story of {}: pinned stories stay above the "
        "others. Unpin it to move it lower."
    ),
}


@role_required(Role.EDITOR)
@refusals
def save_texts(edition_id: int) -> Response:
    """Subject, preheader and intro."""
    edition = get_edition(edition_id)
    form = TextsForm()
    if not form.validate_on_submit():
        return answer(edition, form_problem(form), ok=False, status=422)
    overrides.set_texts(edition, form.subject.data, form.preheader.data, form.intro.data)
    db.session.commit()
    return answer(edition, "Subject, preheader and intro saved.")


@role_required(Role.EDITOR)
@refusals
def save_subject_test(edition_id: int) -> Response:
    """Other subject lines to try on a share of the readers first, and for how long."""
    edition = get_edition(edition_id)
    form = SubjectTestForm()
    if not form.validate_on_submit():
        return answer(edition, form_problem(form), ok=False, status=422)
    lines = (form.lines.data or "").splitlines()
    overrides.set_subject_test(edition, lines, form.share.data, form.minutes.data)
    db.session.commit()
    if not edition.has_subject_test:
        return answer(edition, "No subject test: every reader gets the subject.")
    tried = len(edition.subject_lines)
    return answer(
        edition,
        f"Subject test saved: {tried} lines go to {edition.test_share}% of readers first; "
        f"the winner goes to the rest after {edition.test_minutes} minutes or sooner.",
    )


@role_required(Role.EDITOR)
@refusals
def flag_item(edition_id: int, item_id: int) -> Response:
    """Pin, unpin, exclude, include, move up or down, or restore a story's own texts."""
    edition = get_edition(edition_id)
    item = overrides.get_item(edition, item_id)
    form = FlagForm()
    action = form.action.data if form.validate_on_submit() else None
    if action in FLAGS:
        change, said = FLAGS[action]
        overrides.set_flags(item, **change)
    elif action in MOVES:
        steps, said = MOVES[action]
        if (stuck := overrides.move_story(item, steps)) is not None:
            said = STUCK[stuck].format(f"“{item.headline}”", item.section)
            return answer(edition, said, ok=False)
    elif action == "restore":
        overrides.restore_story(item)
        said = "Restored the original headline and summary of {}."
    else:
        return answer(edition, "That change is not known.", ok=False, status=422)
    db.session.commit()
    return answer(edition, said.format(f"“{item.headline}”"))


@role_required(Role.EDITOR)
@refusals
def edit_story(edition_id: int, item_id: int) -> Response:
    """The story's headline and summary as the editor wrote them."""
    edition = get_edition(edition_id)
    item = overrides.get_item(edition, item_id)
    form = StoryForm()
    if not form.validate_on_submit():
        return answer(edition, form_problem(form), ok=False, status=422)
    overrides.edit_story(item, form.headline.data, form.summary.data)
    db.session.commit()
    return answer(edition, f"Saved “{item.headline}”.")


@role_required(Role.EDITOR)
@refusals
def move_item(edition_id: int, item_id: int) -> Response:
    """File the story under another section, or a new one."""
    edition = get_edition(edition_id)
    item = overrides.get_item(edition, item_id)
    form = SectionMoveForm()
    if not form.validate_on_submit():
        return answer(edition, form_problem(form), ok=False, status=422)
    overrides.move_to_section(item, form.section.data)
    db.session.commit()
    return answer(edition, f"Moved “{item.headline}” to {item.section}.")


@role_required(Role.EDITOR)
@refusals
def order(edition_id: int) -> Response:
    """A section's stories in a new order (drag and drop)."""
    edition = get_edition(edition_id)
    form = OrderForm()
    if not form.validate_on_submit():
        return answer(edition, form_problem(form), ok=False, status=422)
    overrides.order_section(edition, form.section.data, list(form.ids.data or []))
    db.session.commit()
    return answer(edition, f"New order of {form.section.data} saved.")


@role_required(Role.EDITOR)
@refusals
def rename_section(edition_id: int) -> Response:
    edition = get_edition(edition_id)
    form = RenameForm()
    if not form.validate_on_submit():
        return answer(edition, form_problem(form), ok=False, status=422)
    overrides.rename_section(edition, form.old.data, form.new.data)
    db.session.commit()
    return answer(edition, f"Section {form.old.data} is now {' '.join(form.new.data.split())}.")


@role_required(Role.EDITOR)
@refusals
def summary_length(edition_id: int) -> Response:
    """The newsletter's summary length; this draft's summaries are made again at that length."""
    from digest.edition.build import resummarize  # loads the summarizer

    edition = get_edition(edition_id)
    form = SummaryLengthForm()
    if not form.validate_on_submit():
        return answer(edition, form_problem(form), ok=False, status=422)
    newsletter = edition.newsletter
    newsletters.set_summary_length(newsletter, form.sentences.data, form.words.data or None)
    resummarize(edition)
    db.session.commit()
    words = (
        f"at most {newsletter.summary_words} words"
        if newsletter.summary_words
        else "no word budget"
    )
    return answer(
        edition, f"Summaries now have up to {newsletter.summary_sentences} sentence(s), {words}."
    )
