"""The editor's workspace over HTTP: previews for a sample reader, changes saved at once,
a test to the editor outside the ledger, and delivery counts."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from digest import audience
from digest.deliver import deliver_edition
from digest.deliver.dispatch import release
from digest.edition import lifecycle
from digest.edition.history import edition_rows
from digest.extensions import db
from digest.models import Delivery, Edition, EditionStatus, Subscription
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of
from tests.web.conftest import EDITOR, PASSWORD, csrf_of
from tests.web.editor.conftest import SCRIPT


@pytest.fixture
def edition(app):
    newsletter = make_newsletter()
    edition = make_edition(
        newsletter,
        items=[
            {"title": "Derby ends level", "categories": ["sport"]},
            {"title": "Council sets budget", "categories": ["politics"]},
        ],
    )
    make_subscribers(newsletter, 2)
    return edition


def test_a_test_goes_to_the_editor_alone_and_never_into_the_ledger(editor, edition, smtp_server):
    response = editor.post(f"/editor/edition/{edition.id}/test")
    assert response.status_code == 303
    mail = smtp_server.wait_for(1)[0]
    assert mail.recipients == [EDITOR]
    assert mail.message["Subject"] == "[Test] City Digest: news"
    html = mail.message.get_body(("html",)).get_content()
    assert "Derby ends level" in html and "web archive" not in html
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    db.session.expire_all()
    assert edition.status is EditionStatus.DRAFT and edition.released_at is None


def test_a_test_carries_the_chosen_readers_footer_with_links_that_change_nothing(
    editor, edition, smtp_server
):
    edition.newsletter.postal_address = "1 Quay Street, Riverside"
    fan = audience.subscribe(edition.newsletter, "fan@example.org", name="Fan", is_confirmed=True)
    audience.set_topics(fan, ["sport"])
    db.session.commit()
    editor.post(f"/editor/edition/{edition.id}/test", data={"sample": str(fan.id)})
    mail = smtp_server.wait_for(1)[0]
    assert mail.recipients == [EDITOR] and "List-Unsubscribe" not in mail.message
    html = mail.message.get_body(("html",)).get_content()
    text = mail.message.get_body(("plain",)).get_content()
    for body in (html, text):
        assert "Hi Fan," in body and "Council sets budget" not in body
        assert "fan@example.org subscribed to it" in body and "1 Quay Street, Riverside" in body
        assert "web archive" not in body and "/unsubscribe/" not in body
    links = {
        kind: f"http://digest.test/editor/edition/{edition.id}/test-link/{kind}?sample={fan.id}"
        for kind in ("unsubscribe", "preferences", "view")
    }
    assert f"Unsubscribe: {links['unsubscribe']}" in text
    assert f"Update your preferences: {links['preferences']}" in text
    assert all(f'href="{link}"' in html for link in links.values())
    page = editor.get(links["unsubscribe"].removeprefix("http://digest.test"))
    said = page.get_data(as_text=True)
    assert page.status_code == 200 and "In Fan’s own mail this link opens her unsubscribe" in said
    assert "nothing was changed" in said
    db.session.expire_all()
    assert fan.status.value == "active"


def test_tests_are_rate_limited_per_editor(make_app, smtp_server):
    from digest.accounts import Role, create_user

    app = make_app(ratelimit_enabled="true")
    with app.app_context():
        create_user(EDITOR, PASSWORD, Role.EDITOR)
        edition_id = make_edition(make_newsletter(), items=1).id
    client = app.test_client()
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    client.post("/admin/login", data={"csrf_token": token, "email": EDITOR, "password": PASSWORD})
    page = client.get(f"/editor/edition/{edition_id}").get_data(as_text=True)
    token = csrf_of(page)
    answers = [
        client.post(f"/editor/edition/{edition_id}/test", data={"csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert answers == [303] * 5 + [429]


def test_a_change_answers_the_script_with_the_new_story_list(editor, edition):
    derby = edition.items[0]
    response = editor.post(
        f"/editor/edition/{edition.id}/items/{derby.id}/flag",
        data={"action": "down"},
        headers=SCRIPT,
    )
    body = response.get_json()
    assert response.status_code == 200 and body["ok"]
    assert body["message"] == "Moved down: “Derby ends level”."
    assert body["stories"].index("Council sets budget") < body["stories"].index("Derby ends level")


def test_up_under_a_pinned_story_says_nothing_moved_and_why(editor, edition):
    derby, council = edition.items
    editor.post(f"/editor/edition/{edition.id}/items/{derby.id}/flag", data={"action": "pin"})
    response = editor.post(
        f"/editor/edition/{edition.id}/items/{council.id}/flag",
        data={"action": "up"},
        headers=SCRIPT,
    )
    body = response.get_json()
    assert not body["ok"] and "Moved up" not in body["message"]
    assert body["message"] == (
        "Nothing moved: “Council sets budget” is already as high as it can go in News: "
        "pinned stories stay above it."
    )
    assert body["stories"].index("Derby ends level") < body["stories"].index("Council sets")
    page = editor.get(
        editor.post(
            f"/editor/edition/{edition.id}/items/{council.id}/flag", data={"action": "down"}
        ).headers["Location"]
    ).get_data(as_text=True)
    assert "Nothing moved: “Council sets budget” is already last in News." in page


def test_a_refused_change_says_why_and_saves_nothing(editor, edition):
    derby = edition.items[0]
    response = editor.post(
        f"/editor/edition/{edition.id}/items/{derby.id}/story",
        data={"headline": "x" * 501, "summary": "Fine."},
        headers=SCRIPT,
    )
    assert response.status_code == 422 and not response.get_json()["ok"]
    assert "Headline" in response.get_json()["message"]
    db.session.expire_all()
    assert derby.headline_override is None and derby.summary_override is None


def test_without_javascript_a_change_redirects_with_a_confirmation(editor, edition):
    derby = edition.items[0]
    response = editor.post(
        f"/editor/edition/{edition.id}/items/{derby.id}/flag", data={"action": "exclude"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/editor/edition/{edition.id}#stories")
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Left out: “Derby ends level”." in page


def test_the_preview_is_the_message_for_the_chosen_reader(editor, edition):
    sport = audience.subscribe(edition.newsletter, "fan@example.org", name="Fan", is_confirmed=True)
    audience.set_topics(sport, ["sport"])
    db.session.commit()
    text = editor.get(f"/editor/edition/{edition.id}/preview.txt?sample={sport.id}").get_data(
        as_text=True
    )
    assert "Hi Fan," in text and "Derby ends level" in text and "Council sets budget" not in text
    everyone = editor.get(f"/editor/edition/{edition.id}/preview.txt?sample=none").get_data(
        as_text=True
    )
    assert "Hi there," in everyone and "Council sets budget" in everyone


def test_the_plain_text_frame_keeps_its_lines_unwrapped(editor, edition):
    page = editor.get(f"/editor/edition/{edition.id}").get_data(as_text=True)
    assert f"/editor/edition/{edition.id}/preview.text?sample=none" in page
    response = editor.get(f"/editor/edition/{edition.id}/preview.text?sample=none")
    framed = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "white-space: pre;" in framed
    raw = editor.get(f"/editor/edition/{edition.id}/preview.txt?sample=none").get_data(as_text=True)
    assert str(escape(raw)) in framed


def test_previews_name_no_address_and_link_no_fake_unsubscribe(editor, edition):
    html = editor.get(f"/editor/edition/{edition.id}/preview.html").get_data(as_text=True)
    assert "@example" not in html and "Unsubscribe" not in html and "/preferences/" not in html
    assert "web archive of City Digest" in html and "http://digest.test/subscribe/city" in html


def test_previews_sit_in_sandboxed_frames_only_this_site_may_frame(editor, edition):
    page = editor.get(f"/editor/edition/{edition.id}").get_data(as_text=True)
    assert page.count('sandbox=""') == 3
    response = editor.get(f"/editor/edition/{edition.id}/preview.html")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_progress_and_past_editions_count_the_ledger(app, editor, edition):
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app))
    audience.unsubscribe(db.session.scalars(select(Subscription)).first())
    db.session.commit()
    progress = editor.get(f"/editor/edition/{edition.id}/progress.json").get_json()
    assert progress["status"] == "sent" and progress["is_finished"]
    assert (progress["sent"], progress["total"], progress["unsubscribes"]) == (2, 2, 1)
    row = edition_rows()[0]
    assert row.counts["sent"] == 2 and row.unsubscribes == 1
    index = editor.get("/editor/").get_data(as_text=True)
    assert "City Digest: news" in index and ">Sent<" in index


def test_rebuilding_says_what_was_added_and_keeps_changes(editor, edition):
    from tests.support.factories import make_article

    derby = edition.items[0]
    editor.post(f"/editor/edition/{edition.id}/items/{derby.id}/flag", data={"action": "pin"})
    make_article(derby.article.source, "Ferry timetable changes in spring")
    db.session.commit()
    response = editor.post(f"/editor/edition/{edition.id}/rebuild", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 new story added: Ferry timetable changes in spring" in page
    assert "Your changes were kept." in page
    db.session.expire_all()
    assert derby.is_pinned and len(edition.items) == 3


def test_the_summary_length_is_set_for_the_newsletter_and_remade_for_the_draft(editor, edition):
    derby, council = edition.items
    editor.post(
        f"/editor/edition/{edition.id}/items/{council.id}/story",
        data={"headline": "", "summary": "Kept as written."},
    )
    response = editor.post(
        f"/editor/edition/{edition.id}/summary-length",
        data={"sentences": "1", "words": "0"},
        headers=SCRIPT,
    )
    assert (
        response.get_json()["message"] == "Summaries now have up to 1 sentence(s), no word budget."
    )
    db.session.expire_all()
    newsletter = edition.newsletter
    assert (newsletter.summary_sentences, newsletter.summary_words) == (1, None)
    assert len(derby.summary) == 1 and derby.summary[0].startswith("The text of story")
    assert council.summary_text == "Kept as written."
    refused = editor.post(
        f"/editor/edition/{edition.id}/summary-length",
        data={"sentences": "2", "words": "5"},
        headers=SCRIPT,
    )
    assert refused.status_code == 422 and "10 to 200" in refused.get_json()["message"]


def test_a_held_edition_shows_held_and_a_stopped_send_shows_paused_with_its_reason(
    app, editor, edition
):
    held = editor.post(f"/editor/edition/{edition.id}/hold", follow_redirects=True)
    page = held.get_data(as_text=True)
    assert 'id="status-badge" data-status="held">Held<' in page and ">Paused<" not in page
    index = editor.get("/editor/").get_data(as_text=True)
    assert ">Held<" in index and f">by {EDITOR}<" in index and ">Paused<" not in index

    sending = make_edition(edition.newsletter, items=1)
    lifecycle.approve(sending)
    db.session.commit()
    release(sending, settings_of(app))  # frozen, its rows pending: a send under way
    lifecycle.pause(sending, "5 messages in a row refused")
    db.session.commit()
    page = editor.get(f"/editor/edition/{sending.id}").get_data(as_text=True)
    assert 'data-status="paused">Paused<' in page and "5 messages in a row refused" in page
    progress = editor.get(f"/editor/edition/{sending.id}/progress.json").get_json()
    assert (progress["badge"], progress["label"]) == ("paused", "Paused")
    index = editor.get("/editor/").get_data(as_text=True)
    assert index.count(">Held<") == 1 and index.count(">Paused<") == 1


def test_building_with_nothing_new_says_so_and_makes_no_edition(editor, edition):
    lifecycle.cancel(edition)  # the last edition: nothing arrived after it
    db.session.commit()
    response = editor.post("/editor/city/build")
    assert response.status_code == 302 and response.headers["Location"].endswith("/editor/")
    page = editor.get("/editor/").get_data(as_text=True)
    assert "Nothing new for City Digest since" in page and "no edition was made" in page
    answer = editor.post("/editor/city/build", headers=SCRIPT).get_json()
    assert not answer["ok"] and answer["message"].startswith("Nothing new for City Digest since")
    assert db.session.scalar(select(func.count()).select_from(Edition)) == 1
    from digest.ingest.poll import import_source
    from digest.ingest.store import store_articles
    from digest.ingest.types import RawArticle

    article = RawArticle(title="Ferry timetable changes", text="The ferry runs later. It is new.")
    store_articles(import_source(edition.newsletter), [article])
    db.session.commit()
    built = editor.post("/editor/city/build", follow_redirects=True).get_data(as_text=True)
    assert "Built a new edition with 1 story." in built and "Ferry timetable changes" in built


def test_a_reader_who_will_be_skipped_is_said_to_get_nothing_beside_the_preview(editor, edition):
    from datetime import timedelta

    from digest.models import SubscriberStatus, utcnow

    newsletter = edition.newsletter
    newsletter.offers_weekly = True
    readers = {
        name: audience.subscribe(newsletter, f"{name}@example.org", name=name, is_confirmed=True)
        for name in ("Wendy", "Paula", "Bea", "Ann")
    }
    readers["Wendy"].frequency = "weekly"
    readers["Paula"].paused_until = utcnow() + timedelta(days=14)
    readers["Bea"].subscriber.status = SubscriberStatus.BOUNCED
    db.session.commit()

    def note_for(name: str) -> str:
        page = editor.get(f"/editor/edition/{edition.id}?sample={readers[name].id}")
        found = re.search(r'<p class="skip-note" id="skip-note"[^>]*>([^<]*)</p>', page.text)
        return html.unescape(found.group(1))

    assert note_for("Wendy") == (
        "This reader gets nothing from this edition: she chose one email a week and gets the "
        "weekly edition instead; she is skipped."
    )
    assert note_for("Paula").startswith(
        "This reader gets nothing from this edition if it goes out before "
    )
    assert "mail to her address bounced" in note_for("Bea")
    assert note_for("Ann") == ""
    page = editor.get(f"/editor/edition/{edition.id}?sample={readers['Ann'].id}").text
    assert 'id="skip-note" role="status" hidden' in page
    assert "(skipped) Wendy &lt;wendy@example.org&gt;: every story</option>" in page

    for item in edition.items:
        item.is_excluded = True
    db.session.commit()
    assert "none of its stories reaches her" in note_for("Ann")
    refused = editor.post(f"/editor/edition/{edition.id}/test", headers=SCRIPT).get_json()
    assert not refused["ok"] and refused["message"] == "No test sent: it has no stories to send."
