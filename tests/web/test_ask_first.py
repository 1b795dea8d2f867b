"""Steps that cannot be undone ask first: the first post shows a page that asks and changes
nothing; its button posts the same step with the answer, which then happens once."""

from __future__ import annotations

import pytest

from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Edition, EditionStatus, Newsletter, Source, Subscriber, Subscription, User
from tests.support.factories import make_edition, make_newsletter, make_source, make_subscribers
from tests.web.conftest import YES, csrf_of


@pytest.fixture
def staff(app, client, sign_in):
    sign_in("admin")
    return client


def ask_then_answer(client, path: str, question: str, form: dict | None = None):
    """Post the step as its button does, check the page asks, then press its button."""
    page = client.get("/admin/")  # any page, for a CSRF token of this session
    data = {"csrf_token": csrf_of(page.get_data(as_text=True)), **(form or {})}
    asked = client.post(path, data=data)
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert question in text and 'name="confirmed" value="yes"' in text
    db.session.expire_all()
    return text, lambda: client.post(path, data={**data, "csrf_token": csrf_of(text), **YES})


def test_cancelling_an_edition_asks_first(staff):
    edition = make_edition(make_newsletter(), items=[{"title": "Ferry timetable"}])
    text, answer = ask_then_answer(
        staff, f"/editor/edition/{edition.id}/cancel", f"Cancel “{edition.subject}”?"
    )
    assert f'href="/editor/edition/{edition.id}"' in text  # the way back
    assert db.session.get(Edition, edition.id).status is EditionStatus.DRAFT
    assert answer().status_code == 303
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).status is EditionStatus.CANCELLED


def test_sending_now_asks_first(staff):
    newsletter = make_newsletter()
    make_subscribers(newsletter, 1)
    edition = make_edition(newsletter, items=[{"title": "Ferry timetable"}])
    _, answer = ask_then_answer(
        staff, f"/editor/edition/{edition.id}/send-now", f"Send “{edition.subject}” now?"
    )
    assert db.session.get(Edition, edition.id).status is EditionStatus.DRAFT
    assert answer().status_code == 303
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).status is not EditionStatus.DRAFT


def test_archiving_a_newsletter_asks_first_and_unarchiving_does_not(staff):
    letter = make_newsletter()
    _, answer = ask_then_answer(
        staff, f"/admin/newsletters/{letter.id}/archive", f"Archive {letter.title}?"
    )
    assert not db.session.get(Newsletter, letter.id).is_archived
    assert answer().status_code == 302
    db.session.expire_all()
    assert db.session.get(Newsletter, letter.id).is_archived
    page = staff.get("/admin/newsletters").get_data(as_text=True)
    back = staff.post(f"/admin/newsletters/{letter.id}/archive", data={"csrf_token": csrf_of(page)})
    assert back.status_code == 302  # bringing it back loses nothing: no question


def test_removing_a_source_asks_first(staff):
    letter = make_newsletter()
    source = make_source(letter, "Harbour feed")
    db.session.commit()
    _, answer = ask_then_answer(staff, f"/admin/sources/{source.id}/remove", "Remove Harbour feed?")
    assert db.session.get(Source, source.id) is not None
    assert answer().status_code == 302
    db.session.expire_all()
    assert db.session.get(Source, source.id) is None


def test_removing_a_subscriber_asks_first_and_returns_to_the_list(staff):
    letter = make_newsletter()
    email = make_subscribers(letter, 1)[0]
    subscriber = db.session.scalar(db.select(Subscriber).filter_by(email=email))
    subscription = db.session.scalar(db.select(Subscription).filter_by(subscriber_id=subscriber.id))
    listed = f"/admin/subscribers?newsletter={letter.id}"
    staff.get(listed)
    page = staff.get(listed).get_data(as_text=True)
    path = f"/admin/subscribers/{subscriber.id}/remove"
    asked = staff.post(
        path, data={"csrf_token": csrf_of(page)}, headers={"Referer": f"http://digest.test{listed}"}
    )
    text = asked.get_data(as_text=True)
    assert f"Remove {subscriber.email}?" in text
    assert db.session.get(Subscription, subscription.id).status.value == "active"
    done = staff.post(path, data={"csrf_token": csrf_of(text), "back": listed, **YES})
    assert done.status_code == 302 and done.headers["Location"].endswith(listed)
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).status.value != "active"


def test_deactivating_a_user_asks_first(staff, users):
    user = db.session.scalar(db.select(User).filter_by(email="ed@example.org"))
    _, answer = ask_then_answer(
        staff, f"/admin/users/{user.id}/deactivate", "Deactivate ed@example.org?"
    )
    assert db.session.get(User, user.id).is_active
    assert answer().status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_active


def test_a_forged_answer_without_the_form_token_changes_nothing(staff):
    edition = make_edition(make_newsletter(), items=[{"title": "Ferry timetable"}])
    assert staff.post(f"/editor/edition/{edition.id}/cancel", data=YES).status_code == 400
    lifecycle.get_edition(edition.id)
    assert db.session.get(Edition, edition.id).status is EditionStatus.DRAFT
