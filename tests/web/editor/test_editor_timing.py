"""What the workspace says will happen to an edition, in the newsletter's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.edition import lifecycle
from digest.extensions import db
from digest.web.editor.timing import describe_when
from tests.support.factories import make_edition, make_newsletter

SLOT = datetime(2026, 11, 2, 7, 1, tzinfo=UTC)


def draft(send_mode: str, cron: str | None = "0 7 * * *", slug: str = "city"):
    newsletter = make_newsletter(
        slug, timezone="Europe/London", send_mode=send_mode, schedule_cron=cron
    )
    edition = make_edition(newsletter, items=1)
    edition.slot = SLOT
    db.session.commit()
    return edition


def test_a_review_first_draft_waits_for_approval_at_its_local_slot(app):
    said = describe_when(draft("review"), now=SLOT - timedelta(hours=1))
    assert said == (
        "Review-first: it goes out at Mon 02 Nov 07:01 (Europe/London) only if approved "
        "(at once if approved later)."
    )


def test_an_auto_send_draft_goes_at_its_slot_unless_held(app):
    said = describe_when(draft("auto"), now=SLOT - timedelta(hours=1))
    assert (
        said
        == "Auto-send: it goes out at Mon 02 Nov 07:01 (Europe/London) unless an editor holds it."
    )


def test_a_manual_or_late_draft_goes_only_when_an_editor_says_so(app):
    assert describe_when(draft("auto", None, "manual"), now=SLOT - timedelta(hours=1)).startswith(
        "Draft. It goes out when an editor approves it"
    )
    assert describe_when(draft("auto"), now=SLOT + timedelta(minutes=1)).startswith("Draft.")


def test_approved_early_it_names_the_slot(app):
    edition = draft("review")
    lifecycle.approve(edition, now=SLOT - timedelta(hours=1))
    assert "goes out at its slot, Mon 02 Nov 07:01" in describe_when(
        edition, SLOT - timedelta(hours=1)
    )
    assert describe_when(edition, SLOT) == "Approved. It goes out within a minute."
