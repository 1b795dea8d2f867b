"""The admin pages in a real Chromium with something in every table: at 375 and 320 px each
table row reads as a card with its buttons on screen and nothing scrolls sideways; the
overview follows a send (counts, time left and the deliveries chart) without a reload.
Screenshots at 1280, 375 and 320 px go to $DIGEST_SCREENSHOTS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from digest.extensions import db
from digest.models import (
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    EditionStatus,
    EventKind,
    JobRun,
    Source,
    SourceKind,
    User,
    utcnow,
)
from tests.support.factories import (
    make_deliveries,
    make_edition,
    make_newsletter,
    make_subscribers,
)
from tests.support.live import live_server
from tests.web.admin.test_admin_browser import shots
from tests.web.test_browser import CHROMIUM, page  # noqa: F401  (the browser fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]
ADMIN, PASSWORD = "boss@example.org", "correct horse battery"
PAGES = ("", "newsletters", "newsletters/1", "sources", "subscribers", "jobs", "users", "health")
PHONES = (375, 320)


@pytest.fixture
def console(make_app):
    """A live admin console with a sending edition and a row in every admin table."""
    app = make_app(postal_address="1 Harbour Road, Rivertown RT1 2AB")
    with app.app_context(), live_server(app) as base:
        db.session.add(
            User(email=ADMIN, password_hash=generate_password_hash(PASSWORD), is_admin=True)
        )
        db.session.add(
            User(email="invited.editor@example.org", password_hash="-", invited_at=utcnow())
        )
        edition = filled_tables()
        yield base, edition


def filled_tables():
    letter = make_newsletter(
        "riverside", "Riverside Weekly Community Digest", schedule_cron="0 7 * * 1-5"
    )
    source = Source(
        newsletter=letter,
        kind=SourceKind.FEED,
        location="https://news.example/a-rather-long-feed-address/rss.xml",
        name="Riverside Council Planning Notices",
        failure_count=2,
        last_error="HTTP 503 from https://news.example/a-rather-long-feed-address/rss.xml",
        last_error_at=utcnow(),
    )
    db.session.add(source)
    edition = make_edition(letter, items=2, status=EditionStatus.SENDING)
    edition.released_at = utcnow() - timedelta(minutes=1)
    make_subscribers(letter, 40)
    now = utcnow()
    make_deliveries(
        edition,
        [(DeliveryStatus.SENT, now - timedelta(seconds=i / 2)) for i in range(20)]
        + [(DeliveryStatus.SKIPPED, None)]
        + [(DeliveryStatus.PENDING, None)] * 19,
    )
    first = db.session.scalar(select(Delivery).order_by(Delivery.id))
    db.session.add(
        DeliveryEvent(
            delivery_id=first.id,
            edition_id=edition.id,
            subscriber_id=first.subscriber_id,
            kind=EventKind.HARD_BOUNCE,
            action="suppressed (bounced)",
            status="5.1.1",
            detail="550 5.1.1 The email account that you tried to reach does not exist",
            recipient_domain="example.org",
            channel="smtp",
            fingerprint="f1",
        )
    )
    detail = "edition 1 sent: 20 sent, 1 skipped, 0 failed in 40 seconds"
    db.session.add(JobRun(job="edition", newsletter_id=letter.id, status="ok", detail=detail))
    db.session.commit()
    return edition


def sign_in(browser, base: str) -> None:
    """Sign in as the admin, then open the overview."""
    browser.goto(f"{base}/admin/login?next=/admin/")
    browser.fill("input[name=email]", ADMIN)
    browser.fill("input[name=password]", PASSWORD)
    browser.click("button[type=submit]")


def test_every_admin_table_reads_as_cards_on_a_phone(console, page):  # noqa: F811
    base, _ = console
    sign_in(page, base)
    problems = []
    for path in PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{base}/admin/{path}")
        name = (path or "overview").replace("/", "-")
        page.screenshot(path=str(shots() / f"admin27-{name}-1280.png"), full_page=True)
        for width in PHONES:
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(shots() / f"admin27-{name}-{width}.png"), full_page=True)
            problems += off_screen(page, f"{name} at {width}", width)
    assert problems == []


def off_screen(shown, where: str, width: int) -> list[str]:
    """What sticks out sideways: the page itself, or a table's button or cell."""
    found = []
    if shown.evaluate("document.documentElement.scrollWidth") > width:
        found.append(f"{where}: the page scrolls sideways")
    if shown.locator("table.cards thead").count():
        headings = shown.locator("table.cards thead").first.bounding_box()
        if headings and headings["height"] > 1:
            found.append(f"{where}: the table headings still show")
    for item in shown.locator("table.cards button, table.cards td").all():
        box = item.bounding_box()
        if box and box["x"] + box["width"] > width + 0.5:
            found.append(f"{where}: {item.inner_text()[:40]!r} ends at {box['x'] + box['width']}")
    return found


def test_the_overview_follows_a_send_without_a_reload(console, page):  # noqa: F811
    base, edition = console
    sign_in(page, base)
    card = page.locator("[data-progress-url]").first
    assert card.locator("[data-field=sent]").inner_text() == "20"
    assert card.locator("[data-field=skipped]").inner_text() == "1"
    assert card.locator("[data-field=waiting]").inner_text() == "19"
    assert card.locator("[data-field=time_left]").inner_text().endswith("left")
    chart = page.locator("#deliveries-chart svg title").first
    assert ": 20 sent, 0 failed" in chart.text_content()
    page.screenshot(path=str(shots() / "admin27-overview-sending-1280.png"), full_page=True)

    db.session.execute(
        update(Delivery)
        .where(Delivery.edition_id == edition.id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SENT, sent_at=utcnow())
    )
    db.session.execute(
        update(type(edition)).values(status=EditionStatus.SENT, finished_at=utcnow())
    )
    db.session.commit()
    card.locator("[data-field=status]").filter(has_text="sent").wait_for(timeout=15_000)
    assert card.locator("[data-field=sent]").inner_text() == "39"
    assert card.locator("[data-field=time_left]").text_content() == "finished"
    assert not card.locator(".pace").is_visible()  # no pace and no time left once finished
    bar = page.locator("#deliveries-chart svg g title", has_text=": 39 sent, 0 failed")
    bar.wait_for(state="attached", timeout=15_000)  # redrawn by the same polling
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots() / f"admin27-overview-sent-{width}.png"), full_page=True)


def photograph(shown, name: str) -> None:
    for width in (1280, 375):
        shown.set_viewport_size({"width": width, "height": 900})
        shown.screenshot(path=str(shots() / f"admin27-{name}-{width}.png"), full_page=True)
        assert shown.evaluate("document.documentElement.scrollWidth") <= width
    shown.set_viewport_size({"width": 1280, "height": 900})


def test_refusals_are_said_in_words_in_the_admin_layout(console, page):  # noqa: F811
    base, _ = console
    sign_in(page, base)
    page.goto(f"{base}/admin/newsletters/1")
    assert "Using the site default: 1 Harbour Road, Rivertown RT1 2AB" in page.inner_text("main")
    page.get_by_label("Slug (in links)").fill("River Side")
    page.get_by_label("Schedule (cron: minute hour day month weekday)").fill("61 7 * * 1-5")
    page.get_by_label("Maximum stories").fill("500")
    page.click("text=Save newsletter")
    errors = page.locator(".field-error").all_inner_texts()
    assert "Minute 61 is out of range: minutes run from 0 to 59." in errors
    assert "Write a whole number from 1 to 200." in errors and len(errors) == 3
    photograph(page, "newsletter-errors")

    page.goto(f"{base}/admin/users")
    me = page.locator("tr", has_text=ADMIN)
    me.get_by_label("Editor").check()
    me.get_by_role("button", name="Change").click()
    assert "is the last active admin" in page.inner_text("#refusal")
    assert page.locator("nav[aria-label=Admin]").count() == 1
    photograph(page, "users-last-admin")
