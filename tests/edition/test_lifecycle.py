"""An edition changes status only through the lifecycle; refused steps name themselves."""

from __future__ import annotations

import pytest

from digest.edition import lifecycle
from digest.errors import InvalidTransition
from digest.extensions import db
from digest.models import EditionStatus
from tests.support.factories import make_edition, make_newsletter

S = EditionStatus


def test_a_draft_is_approved_and_can_be_withdrawn_before_release(app):
    edition = make_edition(make_newsletter(), items=1)
    lifecycle.approve(edition)
    assert edition.status is S.APPROVED and edition.approved_at is not None
    lifecycle.transition(edition, S.DRAFT)
    assert edition.status is S.DRAFT and edition.approved_at is None


def test_an_edition_without_stories_cannot_be_approved(app):
    edition = make_edition(make_newsletter(), items=1)
    edition.items[0].is_excluded = True
    with pytest.raises(InvalidTransition, match="no stories"):
        lifecycle.approve(edition)
    assert edition.status is S.DRAFT


@pytest.mark.parametrize(
    ("start", "to"),
    [(S.DRAFT, S.SENDING), (S.DRAFT, S.SENT), (S.SENT, S.DRAFT), (S.CANCELLED, S.APPROVED)],
)
def test_a_step_the_lifecycle_does_not_allow_is_refused(app, start, to):
    edition = make_edition(make_newsletter(), items=1, status=start)
    with pytest.raises(InvalidTransition, match=f"from {start.value} to {to.value}"):
        lifecycle.transition(edition, to)
    assert edition.status is start


def test_a_released_edition_never_goes_back_to_draft(app):
    edition = make_edition(make_newsletter(), items=1, status=S.PAUSED)
    edition.released_at = edition.created_at
    with pytest.raises(InvalidTransition, match="released"):
        lifecycle.transition(edition, S.DRAFT)


def test_only_a_draft_is_editable(app):
    edition = make_edition(make_newsletter(), items=1)
    lifecycle.ensure_editable(edition)
    lifecycle.approve(edition)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="only a draft"):
        lifecycle.ensure_editable(edition)


def test_a_pause_keeps_its_reason_and_resuming_clears_it(app):
    edition = make_edition(make_newsletter(), items=1, status=S.SENDING)
    edition.released_at = edition.created_at
    lifecycle.pause(edition, "10 messages in a row refused")
    assert edition.pause_reason == "10 messages in a row refused"
    lifecycle.resume(edition)
    assert edition.status is S.SENDING and edition.pause_reason is None
