"""The subject test in the editor: set on a draft, followed while it runs, ended by a choice."""

from __future__ import annotations

import pytest

from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Edition
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of
from tests.web.conftest import YES
from tests.web.editor.conftest import SCRIPT


@pytest.fixture
def draft(app) -> Edition:
    newsletter = make_newsletter()
    edition = make_edition(newsletter, items=[{"title": "Derby ends level"}])
    make_subscribers(newsletter, 100)
    return edition


def test_an_editor_sets_a_subject_test_on_a_draft(editor, draft):
    page = editor.get(f"/editor/edition/{draft.id}").get_data(as_text=True)
    assert "Other subject lines" in page and 'value="20"' in page and 'value="60"' in page
    form = {
        "lines": "Three things to know\n\nWhat the council decided\n",
        "share": 30,
        "minutes": 90,
    }
    answer = editor.post(f"/editor/edition/{draft.id}/subject-test", data=form, headers=SCRIPT)
    assert answer.get_json()["message"].startswith("Subject test saved: 3 lines go to 30%")
    db.session.expire_all()
    assert draft.other_subjects == ["Three things to know", "What the council decided"]
    assert (draft.test_share, draft.test_minutes) == (30, 90)
    cleared = editor.post(
        f"/editor/edition/{draft.id}/subject-test", data={"lines": "", "share": 20, "minutes": 60}
    )
    assert cleared.status_code == 303
    db.session.expire_all()
    assert draft.other_subjects is None and not draft.has_subject_test


@pytest.mark.parametrize(
    "form, said",
    [
        ({"lines": "City Digest: news", "share": 20, "minutes": 60}, "already one of the lines"),
        ({"lines": "a\nb\nc\nd", "share": 20, "minutes": 60}, "at most 3 lines"),
        ({"lines": "B", "share": 80, "minutes": 60}, "Test on"),
        ({"lines": "B", "share": 20, "minutes": 5}, "Choose the winner after"),
    ],
)
def test_a_bad_subject_test_is_refused_with_its_reason(editor, draft, form, said):
    answer = editor.post(f"/editor/edition/{draft.id}/subject-test", data=form, headers=SCRIPT)
    assert answer.status_code in (200, 422) and said in answer.get_json()["message"]
    assert answer.get_json()["ok"] is False
    db.session.expire_all()
    assert draft.other_subjects is None


def test_a_running_test_shows_each_line_and_an_editor_ends_it(app, editor, draft, smtp_server):
    draft.other_subjects = ["Three things to know"]
    lifecycle.approve(draft)
    db.session.commit()
    deliver_edition(draft.id, settings_of(app), wait=False)
    page = editor.get(f"/editor/edition/{draft.id}").get_data(as_text=True)
    assert "60 readers wait for the winner" in page
    assert "Three things to know" in page and "Chance it is best" in page
    first = editor.post(f"/editor/edition/{draft.id}/subject-test/choose", data={"line": 1})
    assert first.status_code == 200 and "Send B “Three things to know”" in first.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert draft.test_winner is None  # asked first
    done = editor.post(
        f"/editor/edition/{draft.id}/subject-test/choose", data={"line": 1, **YES}, headers=SCRIPT
    )
    assert "goes to the rest within a minute" in done.get_json()["message"]
    db.session.expire_all()
    assert draft.test_winner == 1 and "chosen by ed@example.org" in draft.test_decision
    page = editor.get(f"/editor/edition/{draft.id}").get_data(as_text=True)
    assert "Winner: B" in page and "Figures as they stood" in page
    again = editor.post(
        f"/editor/edition/{draft.id}/subject-test/choose", data={"line": 0, **YES}, headers=SCRIPT
    )
    assert "already decided" in again.get_json()["message"]
    assert (
        editor.post(
            f"/editor/edition/{draft.id}/subject-test/choose", data={"line": 3, **YES}
        ).status_code
        == 400
    )
