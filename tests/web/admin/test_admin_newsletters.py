"""Admin newsletter pages: create, edit with the schedule in words and the topics that picked
no story lately, archive."""

from __future__ import annotations

import re

import pytest

from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import Newsletter
from digest.newsletters import get_newsletter
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of
from tests.web.conftest import YES

SETTINGS = {
    "title": "Tech Weekly",
    "slug": "tech",
    "from_email": "tech@digest.test",
    "from_name": "The Tech Desk",
    "schedule_cron": "0 7 * * 1-5",
    "timezone": "Europe/London",
    "lookback_days": "3",
    "min_stories": "2",
    "max_stories": "12",
    "send_mode": "review",
    "review_minutes": "60",
    "summary_sentences": "2",
    "summary_words": "40",
    "show_images": "y",
    "tracks_clicks": "y",
    "click_window_days": "30",
    "topic_choices": "AI\nHardware",
}


@pytest.fixture
def admin(app, client, sign_in):
    sign_in("admin")
    app.config["WTF_CSRF_ENABLED"] = False
    return client


def test_an_admin_creates_a_newsletter_with_every_setting(admin):
    response = admin.post("/admin/newsletters/new", data=SETTINGS)
    assert response.status_code == 302
    letter = get_newsletter("tech")
    assert (letter.from_name, letter.schedule_cron, letter.timezone) == (
        "The Tech Desk",
        "0 7 * * 1-5",
        "Europe/London",
    )
    assert (letter.lookback_days, letter.min_stories, letter.max_stories) == (3, 2, 12)
    assert letter.send_mode == "review" and letter.topic_choices == ["AI", "Hardware"]
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "At 07:00, Monday through Friday (Europe/London)" in page
    assert page.count("<li>") >= 3  # the next three runs


def test_a_bad_cron_line_is_shown_next_to_the_schedule_and_nothing_is_stored(admin):
    response = admin.post(
        "/admin/newsletters/new", data={**SETTINGS, "schedule_cron": "0 25 * * *"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "schedule_cron") == "Hour 25 is out of range: hours run from 0 to 23."
    assert db.session.query(Newsletter).count() == 0
    # only the field in error is announced as invalid, and never as aria-invalid="None"
    assert page.count('aria-invalid="true"') == 1 and 'aria-invalid="None"' not in page


def test_every_problem_is_shown_at_once_in_our_own_words(admin):
    data = {
        **SETTINGS,
        "title": "",
        "slug": "Tech News",
        "schedule_cron": "61 7 * * *",
        "timezone": "Mars/Olympus",
        "weekly_cron": "0 8 * * 9",
        "lookback_days": "a week",
        "max_stories": "500",
        "reply_to": "desk@@example",
    }
    response = admin.post("/admin/newsletters/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "title") == "Give it a title."
    assert field_error(page, "slug").endswith("such as &#39;tech-news&#39;.")
    assert field_error(page, "schedule_cron") == (
        "Minute 61 is out of range: minutes run from 0 to 59."
    )
    assert field_error(page, "weekly_cron") == (
        "Weekday 9 is out of range: weekdays run from 0 to 7 (or sun to sat)."
    )
    assert field_error(page, "timezone").startswith("Unknown time zone &#39;Mars/Olympus&#39;")
    assert field_error(page, "lookback_days") == "Write a whole number from 1 to 90."
    assert field_error(page, "max_stories") == "Write a whole number from 1 to 200."
    assert field_error(page, "reply_to").startswith("Not an email address")
    assert "Error validating" not in page and "Not a valid" not in page
    assert page.count('aria-invalid="true"') == 8
    assert "8 settings to fix before saving:" in page  # a summary above, each a link to its field
    assert '<a href="#schedule_cron">Schedule (cron: minute hour day month weekday)</a>' in page
    assert db.session.query(Newsletter).count() == 0


@pytest.mark.parametrize(
    "cron, words",
    [
        (
            "0 7 * *",
            "Write five parts (minute hour day month weekday), such as 0 7 * * 1-5, not 4.",
        ),
        ("0 7 32 * *", "Day of the month 32 is out of range: days of the month run from 1 to 31."),
        ("0 7 * 13 *", "Month 13 is out of range: months run from 1 to 12 (or jan to dec)."),
        ("0 22-6 * * *", "The hour range 22-6 runs backwards: write the smaller first"),
        ("*/0 7 * * *", "The step &#39;0&#39; is not a whole number of 1 or more, as in */15."),
        ("0 7 * * funday", "&#39;funday&#39; is not a weekday: write a number"),
    ],
)
def test_a_bad_schedule_is_explained_in_words(admin, cron, words):
    response = admin.post("/admin/newsletters/new", data={**SETTINGS, "schedule_cron": cron})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "schedule_cron").startswith(words)


def test_a_bad_slug_is_refused_by_the_same_rule_as_the_cli(admin):
    response = admin.post("/admin/newsletters/new", data={**SETTINGS, "slug": "Tech News"})
    assert response.status_code == 422
    assert "Bad newsletter slug" in response.get_data(as_text=True)


def test_editing_a_schedule_changes_its_next_runs(admin):
    letter = make_newsletter(schedule_cron="0 7 * * mon")
    data = {**SETTINGS, "slug": "city", "schedule_cron": "30 18 * * 0"}
    assert admin.post(f"/admin/newsletters/{letter.id}", data=data).status_code == 302
    page = admin.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
    assert "At 18:30, only on Sunday" in page
    assert "Sun " in page


def test_archiving_hides_nothing_but_pauses_the_newsletter(admin):
    letter = make_newsletter(schedule_cron="0 7 * * mon")
    assert admin.post(f"/admin/newsletters/{letter.id}/archive", data=YES).status_code == 302
    db.session.expire_all()
    letter = db.session.get(Newsletter, letter.id)
    assert letter.is_archived and letter.is_paused


def test_the_public_page_shows_the_schedule_in_words_and_the_next_run(client):
    make_newsletter(schedule_cron="0 7 * * mon", timezone="Europe/London")
    page = client.get("/").get_data(as_text=True)
    assert "At 07:00, only on Monday (Europe/London). Next: Mon " in page
    assert "0 7 * * mon" not in page


def test_visitors_see_the_description_and_not_archived_newsletters(client):
    make_newsletter(description="News from the harbour town, every Monday.")
    make_newsletter("old", "Old Gazette", is_archived=True)
    page = client.get("/").get_data(as_text=True)
    assert "News from the harbour town" in page and "Old Gazette" not in page


def test_the_page_names_the_offered_topics_that_picked_no_story_lately(admin, app):
    letter = make_newsletter(topic_choices=["Ferries", "Weather"])
    edition = make_edition(letter, items=[{"title": "Night Ferry Timetable Extended"}])
    lifecycle.approve(edition)
    db.session.commit()
    make_subscribers(letter, 1)
    deliver_edition(edition.id, settings_of(app))
    page = admin.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
    assert "Picked no story in the last 5 sent editions: <strong>Weather</strong>" in page


def test_a_newsletter_that_sent_nothing_yet_names_no_topic(admin):
    letter = make_newsletter(topic_choices=["Ferries", "Weather"])
    page = admin.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
    assert "Picked no story" not in page


def test_an_admin_offers_a_weekly_edition_with_its_schedule(admin):
    letter = make_newsletter()
    data = {**SETTINGS, "slug": "city", "offers_weekly": "y", "weekly_cron": "0 8 * * 0"}
    assert admin.post(f"/admin/newsletters/{letter.id}", data=data).status_code == 302
    db.session.expire_all()
    letter = get_newsletter("city")
    assert letter.offers_weekly and letter.weekly_cron == "0 8 * * 0"
    page = admin.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
    assert "checked" in re.search(r'<input[^>]*name="offers_weekly"[^>]*>', page).group(0)


def test_a_weekly_offer_without_a_weekly_schedule_is_refused_next_to_it(admin):
    letter = make_newsletter()
    data = {**SETTINGS, "slug": "city", "offers_weekly": "y", "weekly_cron": ""}
    response = admin.post(f"/admin/newsletters/{letter.id}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="weekly_cron-errors"' in page and "Weekly schedule: a weekly edition needs" in page
    db.session.expire_all()
    assert not get_newsletter("city").offers_weekly


def field_error(page: str, field: str) -> str:
    """The error shown beside a field, or '' when there is none."""
    found = re.search(rf'<p class="field-error" id="{field}-errors"[^>]*>([^<]*)</p>', page)
    return found.group(1) if found else ""


def test_a_bad_reply_to_is_shown_next_to_it_not_next_to_the_sender(admin):
    data = {**SETTINGS, "reply_to": "desk@@example"}
    response = admin.post("/admin/newsletters/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "reply_to").startswith("Not an email address")
    assert field_error(page, "from_email") == ""
    assert db.session.query(Newsletter).count() == 0


def test_a_bad_sender_is_shown_next_to_it_when_there_is_no_reply_to(admin):
    response = admin.post("/admin/newsletters/new", data={**SETTINGS, "from_email": "desk"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "from_email").startswith("Not an email address: &#39;desk&#39;")
    assert field_error(page, "reply_to") == ""


def test_a_minimum_above_the_maximum_is_shown_next_to_the_minimum(admin):
    letter = make_newsletter()
    data = {**SETTINGS, "slug": "city", "min_stories": "9", "max_stories": "3"}
    response = admin.post(f"/admin/newsletters/{letter.id}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "min_stories") == "The minimum number of stories is above the maximum."


def test_the_embed_code_page_is_linked_from_the_newsletter_list_and_form(admin):
    letter = make_newsletter()
    make_newsletter("old", "Old Gazette", is_archived=True)
    listing = admin.get("/admin/newsletters").get_data(as_text=True)
    assert listing.count("/embed-code") == 1 and 'href="/subscribe/city/embed-code"' in listing
    form = admin.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
    assert '<a href="/subscribe/city/embed-code">Embed the subscribe form</a>' in form
    assert admin.get("/subscribe/city/embed-code").status_code == 200


def test_the_postal_address_field_shows_the_site_default_in_effect(make_app, smtp_server):
    app = make_app(postal_address="1 Harbour Road, Rivertown")
    with app.app_context():
        from digest.accounts import Role, create_user

        create_user("boss@example.org", "correct horse battery", Role.ADMIN)
        letter = make_newsletter()
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        client.post(
            "/admin/login", data={"email": "boss@example.org", "password": "correct horse battery"}
        )
        page = client.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
        assert "Using the site default: 1 Harbour Road, Rivertown (DIGEST_POSTAL_ADDRESS)." in page
        assert 'placeholder="1 Harbour Road, Rivertown"' in page


def test_without_a_site_default_the_postal_address_field_says_so(admin):
    letter = make_newsletter()
    page = admin.get(f"/admin/newsletters/{letter.id}").get_data(as_text=True)
    assert "no site default is set (DIGEST_POSTAL_ADDRESS)" in page


def test_a_newsletter_can_stop_counting_clicks_and_keep_them_for_fewer_days(admin):
    letter = make_newsletter()
    form = {**SETTINGS, "slug": letter.slug, "click_window_days": "7"}
    del form["tracks_clicks"]  # an unticked box is not sent
    assert admin.post(f"/admin/newsletters/{letter.id}", data=form).status_code == 302
    db.session.expire_all()
    letter = db.session.get(Newsletter, letter.id)
    assert not letter.tracks_clicks and letter.click_window_days == 7
    bad = admin.post(f"/admin/newsletters/{letter.id}", data={**form, "click_window_days": "0"})
    assert bad.status_code == 422 and "from 1 to 365" in bad.get_data(as_text=True)
