"""Review-first and auto-send, decided on a frozen clock: each tick is given the time it runs at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from digest.accounts import Role, create_user
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Edition, EditionStatus
from digest.schedule.jobs import _send_now, build_and_send, editions_with_work
from digest.schedule.slots import needs_work
from tests.support.factories import make_article, make_newsletter, make_source, make_subscribers

SLOT = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # "0 7 * * *" in UTC
EDITOR = "ed@example.org"


def at(minutes: int) -> datetime:
    return SLOT + timedelta(minutes=minutes)


def newsletter(send_mode: str, stories: int = 2):
    letter = make_newsletter(schedule_cron="0 7 * * *", send_mode=send_mode, review_minutes=120)
    source = make_source(letter)
    for number in range(stories):
        make_article(source, f"Story {number} about the harbour and the town")
    make_subscribers(letter, 3)
    create_user(EDITOR, "correct horse battery", Role.EDITOR)
    db.session.commit()
    return letter


def the_edition(letter) -> Edition | None:
    db.session.expire_all()
    return db.session.scalars(select(Edition).where(Edition.newsletter_id == letter.id)).first()


def subscriber_mail(smtp_server) -> list:
    return [m for m in smtp_server.received if m.recipients != [EDITOR]]


def test_review_first_builds_ahead_of_its_slot_and_mails_the_editors(app, smtp_server):
    letter = newsletter("review")
    build_and_send(letter.id, now=at(-121))
    assert the_edition(letter) is None
    build_and_send(letter.id, now=at(-120))
    edition = the_edition(letter)
    assert edition.slot == SLOT and edition.status is EditionStatus.DRAFT
    note = smtp_server.wait_for(1)[0]
    assert note.recipients == [EDITOR]
    assert f"/editor/edition/{edition.id}" in note.message.get_content()
    build_and_send(letter.id, now=at(-100))  # the next tick: nothing new is built or mailed
    assert len(smtp_server.received) == 1


def test_review_first_never_sends_what_nobody_approved(app, smtp_server):
    letter = newsletter("review")
    for minutes in (-120, 0, 30):
        build_and_send(letter.id, now=at(minutes))
    assert the_edition(letter).status is EditionStatus.DRAFT
    assert not needs_work(letter, at(30))
    assert editions_with_work(at(30)) == []
    assert subscriber_mail(smtp_server) == []


def test_approved_before_its_slot_it_waits_for_the_slot(app, smtp_server):
    letter = newsletter("review")
    build_and_send(letter.id, now=at(-120))
    edition = the_edition(letter)
    lifecycle.approve(edition, now=at(-60))
    db.session.commit()
    assert edition.send_at == SLOT
    assert editions_with_work(at(-1)) == []
    assert editions_with_work(at(0)) == [(edition.id, letter.id)]
    _send_now(edition.id)
    assert len(subscriber_mail(smtp_server)) == 3


def test_approved_after_its_slot_it_goes_at_once(app, smtp_server):
    letter = newsletter("review")
    build_and_send(letter.id, now=at(-120))
    build_and_send(letter.id, now=at(10))
    edition = the_edition(letter)
    lifecycle.approve(edition, now=at(20))
    db.session.commit()
    assert edition.send_at is None
    assert editions_with_work(at(20)) == [(edition.id, letter.id)]


def test_auto_send_builds_early_and_goes_out_at_the_slot(app, smtp_server):
    letter = newsletter("auto")
    build_and_send(letter.id, now=at(-120))
    assert the_edition(letter).status is EditionStatus.DRAFT
    assert smtp_server.received == []  # auto-send mails no editor
    build_and_send(letter.id, now=at(-1))
    assert subscriber_mail(smtp_server) == []
    build_and_send(letter.id, now=at(0))
    assert the_edition(letter).status is EditionStatus.SENT
    assert len(subscriber_mail(smtp_server)) == 3


def test_an_auto_deliver_edition_held_by_an_editor_stays_home(app, smtp_server):
    letter = newsletter("auto")
    build_and_send(letter.id, now=at(-120))
    lifecycle.hold(the_edition(letter), EDITOR)
    db.session.commit()
    assert "held" in build_and_send(letter.id, now=at(0))
    assert the_edition(letter).status is EditionStatus.PAUSED
    assert not needs_work(letter, at(1))
    assert subscriber_mail(smtp_server) == []


def test_an_editor_can_send_a_held_edition_now(app, smtp_server):
    letter = newsletter("auto")
    build_and_send(letter.id, now=at(-120))
    edition = the_edition(letter)
    lifecycle.hold(edition, EDITOR)
    lifecycle.send_now(edition, now=at(-90))
    db.session.commit()
    assert edition.status is EditionStatus.APPROVED and edition.send_at is None
    assert editions_with_work(at(-90)) == [(edition.id, letter.id)]


def test_a_slot_with_nothing_new_is_cancelled(app, smtp_server):
    letter = newsletter("auto", stories=0)
    assert needs_work(letter, at(0))
    build_and_send(letter.id, now=at(0))
    assert the_edition(letter).status is EditionStatus.CANCELLED
    assert not needs_work(letter, at(1))


def test_the_minute_tick_builds_a_review_edition_and_sends_nothing(app, smtp_server):
    from digest.schedule.jobs import plan_editions

    letter = newsletter("review")
    letter.schedule_cron = "*/30 * * * *"  # a slot is due, and the next is in its window
    db.session.commit()
    plan_editions(app)
    db.session.expire_all()
    editions = db.session.scalars(select(Edition).order_by(Edition.slot)).all()
    assert all(e.status is EditionStatus.DRAFT and e.slot.minute in (0, 30) for e in editions)
    with_stories = [e for e in editions if e.items]
    assert len(with_stories) == 1
    note = smtp_server.wait_for(1)[0]
    assert note.recipients == [EDITOR]
    assert f"/editor/edition/{with_stories[0].id}" in note.message.get_content()
