"""Admin source pages: look before adding, health, resume, poll now, remove, uploads."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from digest.extensions import db
from digest.models import Article, Source
from tests.support.factories import make_newsletter
from tests.web.conftest import YES


@pytest.fixture
def admin(make_app):
    """A signed-in admin's client on an app that may fetch from loopback; CSRF off."""
    app = make_app(allow_private_fetch="true", source_max_failures="2")
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        from digest.accounts import Role, create_user

        create_user("ad@example.org", "correct horse battery", Role.ADMIN)
        db.session.commit()
        client = app.test_client()
        client.post(
            "/admin/login",
            data={"email": "ad@example.org", "password": "correct horse battery"},
        )
        yield client


def test_looking_at_a_feed_shows_what_it_has_and_stores_nothing(admin, feeds):
    letter = make_newsletter()
    page = admin.post(
        "/admin/sources/look", data={"look-newsletter": letter.id, "look-url": feeds.url}
    ).get_data(as_text=True)
    assert "Found: a feed with 2 articles" in page
    assert "Ferry timetable changes" in page and "Valley Wire" in page
    assert db.session.scalar(select(func.count(Source.id))) == 0


def test_an_address_that_is_not_a_url_is_refused_next_to_the_field(admin):
    letter = make_newsletter()
    response = admin.post(
        "/admin/sources/look", data={"look-newsletter": letter.id, "look-url": "/etc/passwd"}
    )
    assert response.status_code == 422
    assert "Not a feed or page address" in response.get_data(as_text=True)


def test_a_source_is_added_polled_paused_and_resumed(admin, feeds):
    letter = make_newsletter()
    data = {"add-newsletter": str(letter.id), "add-url": feeds.url, "add-name": "Valley Wire"}
    assert admin.post("/admin/sources", data=data).status_code == 302
    source_id = db.session.scalar(select(Source.id))
    admin.post(f"/admin/sources/{source_id}/poll")
    assert db.session.scalar(select(func.count(Article.id))) == 2
    feeds.is_broken = True
    for _ in range(2):
        admin.post(f"/admin/sources/{source_id}/poll")
    db.session.expire_all()
    source = db.session.get(Source, source_id)
    assert not source.is_active and source.failure_count == 2
    page = admin.get("/admin/sources").get_data(as_text=True)
    assert "paused" in page and "Resume" in page and "500" in page
    feeds.is_broken = False
    admin.post(f"/admin/sources/{source_id}/resume")
    db.session.expire_all()
    assert db.session.get(Source, source_id).is_active


def test_removing_a_source_keeps_articles_another_newsletter_has(admin, feeds):
    city, county = make_newsletter(), make_newsletter("county", "County")
    for letter in (city, county):
        data = {"add-newsletter": str(letter.id), "add-url": feeds.url}
        admin.post("/admin/sources", data=data)
    first, second = db.session.scalars(select(Source.id).order_by(Source.id)).all()
    admin.post(f"/admin/sources/{first}/poll")
    admin.post(f"/admin/sources/{second}/poll")
    assert admin.post(f"/admin/sources/{first}/remove", data=YES).status_code == 302
    assert db.session.scalar(select(func.count(Article.id))) == 2
    admin.post(f"/admin/sources/{second}/remove", data=YES)
    assert db.session.scalar(select(func.count(Article.id))) == 0


def test_uploaded_files_become_articles_and_a_bad_one_is_named(admin):
    letter = make_newsletter()
    text = b"Harbour Bridge Reopens\n\nThe bridge reopened on Monday after repairs.\n"
    data = {
        "upload-newsletter": str(letter.id),
        "upload-files": [(io.BytesIO(text), "bridge.txt"), (io.BytesIO(b"\x00"), "photo.png")],
    }
    response = admin.post("/admin/sources/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 article(s) added" in page and "photo.png: not an article file" in page


def chosen_newsletters(page: str) -> list[str | None]:
    """The label of the selected option of each newsletter select on the page."""
    selects = re.findall(r'<select[^>]*name="[a-z]+-newsletter".*?</select>', page, re.S)
    chosen = [re.search(r"<option selected[^>]*>([^<]*)</option>", s) for s in selects]
    return [found and found.group(1) for found in chosen]


def test_the_source_forms_choose_no_newsletter_by_themselves(admin):
    make_newsletter("alpha", "Alpha")  # the alphabetically first
    make_newsletter()
    page = admin.get("/admin/sources").get_data(as_text=True)
    assert chosen_newsletters(page) == ["Choose a newsletter"] * 3  # look, mail, upload
    text = b"Harbour Bridge Reopens\n\nThe bridge reopened on Monday after repairs.\n"
    data = {"upload-files": [(io.BytesIO(text), "bridge.txt")]}
    response = admin.post("/admin/sources/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a newsletter." in page and "Choose at least one file." not in page
    assert db.session.scalar(select(func.count(Article.id))) == 0


def test_the_source_forms_opened_from_a_newsletter_have_it_chosen(admin):
    make_newsletter("alpha", "Alpha")
    city = make_newsletter()
    listing = admin.get("/admin/newsletters").get_data(as_text=True)
    link = re.search(rf'href="([^"]*/sources\?newsletter={city.id})"', listing).group(1)
    for url in (link, "/admin/sources?newsletter=city"):
        page = admin.get(url).get_data(as_text=True)
        assert chosen_newsletters(page) == ["City Digest"] * 3


def test_an_uploaded_feed_file_is_a_source_named_after_the_feed(admin):
    from tests.support.feeds import FEED

    letter = make_newsletter()
    data = {
        "upload-newsletter": str(letter.id),
        "upload-files": [(io.BytesIO(FEED.encode()), "v.xml")],
    }
    response = admin.post("/admin/sources/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    source = db.session.scalars(select(Source)).one()
    assert source.name == "Valley Wire" and source.kind.value == "import"
    assert {a.source_id for a in db.session.scalars(select(Article))} == {source.id}


def test_a_source_is_renamed_from_the_sources_page(admin):
    letter = make_newsletter()
    text = b"Harbour Bridge Reopens\n\nThe bridge reopened on Monday after repairs.\n"
    data = {"upload-newsletter": str(letter.id), "upload-files": [(io.BytesIO(text), "b.txt")]}
    admin.post("/admin/sources/upload", data=data, content_type="multipart/form-data")
    source_id = db.session.scalar(select(Source.id))
    page = admin.get("/admin/sources").get_data(as_text=True)
    assert f'id="rename-{source_id}-name"' in page and 'value="Imported"' in page
    renamed = admin.post(
        f"/admin/sources/{source_id}/rename", data={f"rename-{source_id}-name": "Harbour Desk"}
    )
    assert renamed.status_code == 302
    assert "The source is now called Harbour Desk." in admin.get(renamed.headers["Location"]).text
    db.session.expire_all()
    assert db.session.get(Source, source_id).name == "Harbour Desk"


def test_an_empty_name_is_refused_next_to_the_field_and_the_old_name_kept(admin, feeds):
    letter = make_newsletter()
    admin.post(
        "/admin/sources",
        data={"add-newsletter": letter.id, "add-url": feeds.url, "add-name": "Valley"},
    )
    source_id = db.session.scalar(select(Source.id))
    refused = admin.post(
        f"/admin/sources/{source_id}/rename", data={f"rename-{source_id}-name": " "}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Give the source a name." in page and '<details class="rename" open>' in page
    db.session.expire_all()
    assert db.session.get(Source, source_id).name == "Valley"


def test_renaming_needs_the_pages_csrf_token(client, sign_in):
    from digest.ingest.poll import import_source

    sign_in("admin")
    source = import_source(make_newsletter())
    db.session.commit()
    field = f"rename-{source.id}-name"
    forged = client.post(f"/admin/sources/{source.id}/rename", data={field: "Forged"})
    assert forged.status_code == 400
    page = client.get("/admin/sources").get_data(as_text=True)
    token = re.search(rf'id="csrf_token-rename-{source.id}"[^>]*value="([^"]+)"', page)
    data = {field: "Harbour Desk", f"rename-{source.id}-csrf_token": token.group(1)}
    assert client.post(f"/admin/sources/{source.id}/rename", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Source, source.id).name == "Harbour Desk"


def test_the_sources_page_shows_each_feeds_websub_subscription(admin):
    from datetime import UTC, datetime

    from digest.models import HubState, HubSubscription, SourceKind

    letter = make_newsletter()
    feed = SourceKind.FEED
    pushed = Source(newsletter=letter, kind=feed, location="http://a.example/f", name="A")
    polled = Source(newsletter=letter, kind=feed, location="http://b.example/f", name="B")
    db.session.add_all([pushed, polled])
    db.session.flush()
    db.session.add(
        HubSubscription(
            source_id=pushed.id,
            hub_url="https://hub.example/",
            topic_url="http://a.example/f",
            secret="s",
            state=HubState.ACTIVE,
            expires_at=datetime(2030, 1, 12, 9, 30, tzinfo=UTC),
            last_push_at=datetime(2030, 1, 2, 8, 15, tzinfo=UTC),
            push_count=3,
        )
    )
    db.session.commit()
    page = " ".join(admin.get("/admin/sources").get_data(as_text=True).split())
    assert "subscribed</span> <br>lease expires Sat 12 Jan 2030, 09:30 UTC" in page
    assert "last push Wed 2 Jan 2030, 08:15 UTC (3 in all)" in page
    assert "hub: https://hub.example/" in page
    assert "polled only" in page  # B announces no hub


def test_the_mail_source_button_makes_a_signed_address_shown_on_its_page(admin):
    from digest.ingest.inaddress import read_source_address
    from tests.support.factories import settings_of

    letter = make_newsletter()
    response = admin.post(
        "/admin/sources/inbound", data={"inbound-newsletter": letter.id, "inbound-name": ""}
    )
    source = db.session.scalar(select(Source))
    assert response.headers["Location"].endswith(f"/admin/sources/{source.id}")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    address = re.search(r'id="inbound-address">([^<]+)<', page).group(1)
    assert read_source_address(address, settings_of(admin.application)) == source.id
    assert "Nothing received yet." in page and "<h1>New mail source</h1>" in page
    assert f'href="/admin/sources/{source.id}"' in admin.get("/admin/sources").get_data(
        as_text=True
    )


def test_a_sign_up_mail_shows_its_links_for_the_admin_to_follow(admin):
    from digest.ingest.inbox import add_mail_source
    from digest.models import MailStatus, SourceMail

    source = add_mail_source(make_newsletter(), "Letters")
    confirm = "https://valleyweekly.example/subscribe/confirm?token=7f3a9c"
    db.session.add_all([
        SourceMail(source_id=source.id, subject="Please confirm", raw=b"", fingerprint="1",
                   status=MailStatus.SIGNUP, links=[["Yes, subscribe me", confirm]]),
        SourceMail(source_id=source.id, subject="December", raw=b"", fingerprint="2",
                   status=MailStatus.EMPTY, reason="no text left"),
    ])  # fmt: skip
    db.session.commit()
    page = admin.get(f"/admin/sources/{source.id}").get_data(as_text=True)
    assert f'<a href="{confirm}" rel="noopener noreferrer nofollow"' in page
    assert "Waiting for you to confirm" in page and "no text left" in page


def test_a_feed_has_no_mail_page(admin):
    from tests.support.factories import make_source

    source = make_source(make_newsletter())
    db.session.commit()
    assert admin.get(f"/admin/sources/{source.id}").status_code == 404
