"""The admin console in a real Chromium: from an empty install to a finished send, no terminal.

Signs in as an admin, creates a newsletter with a schedule, adds a feed served on loopback,
imports a CSV with one bad line, presses Run now, and watches the send finish (the page
updates itself) against a real aiosmtpd server, with a real scheduler running the job.
Screenshots of every admin page at 1280 and 375 px go to $DIGEST_SCREENSHOTS.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from werkzeug.serving import make_server

from digest.accounts import Role, create_user
from digest.extensions import db
from digest.schedule.lock import acquire_lease, release_lease
from digest.schedule.process import add_jobs
from tests.support.feeds import FeedServer
from tests.support.scheduler import stop_scheduler
from tests.support.smtp import free_port
from tests.web.test_browser import CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]
ADMIN, PASSWORD = "boss@example.org", "correct horse battery"
CSV = "email,name\nann@example.org,Ann\nnot-an-address,Bob\ncid@example.org,Cid\n"


@pytest.fixture
def console(make_app):
    """A live admin console: web server, scheduler, feed server; yields (app, base, feed url)."""
    port = free_port()
    app = make_app(base_url=f"http://127.0.0.1:{port}", allow_private_fetch="true")
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feeds = FeedServer().start()
    with app.app_context():
        create_user(ADMIN, PASSWORD, Role.ADMIN)
        db.session.commit()
        acquire_lease("browser-test", 60)
        scheduler = BackgroundScheduler(timezone="UTC")
        add_jobs(app, scheduler, "browser-test", 60, sync_seconds=0.5)
        scheduler.start()
        yield app, f"http://127.0.0.1:{port}", feeds.url
        stop_scheduler(scheduler)
        release_lease("browser-test")
    feeds.stop()
    server.shutdown()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        browser.close()


def shots() -> Path:
    folder = Path(os.environ.get("DIGEST_SCREENSHOTS") or "/tmp/digest-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def photograph(page, name: str) -> list[tuple[str, int]]:
    """Save the page at 1280, 375 and 320 px; the widths it scrolled sideways at."""
    wide = []
    for width in (1280, 375, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots() / f"admin-{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide.append((name, scroll))
    page.set_viewport_size({"width": 1280, "height": 900})
    return wide


def test_an_admin_runs_a_newsletter_from_nothing_to_a_finished_send(
    console, browser_page, smtp_server, tmp_path
):
    app, base, feed_url = console
    page, wide = browser_page, []
    page.goto(f"{base}/admin/")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    wide += photograph(page, "overview-empty")

    page.click("nav[aria-label=Admin] >> text=Newsletters")
    page.click("text=New newsletter")
    page.get_by_label("Title").fill("Valley Weekly")
    page.get_by_label("Slug (in links)").fill("valley")
    page.get_by_label("Sender address").fill("valley@digest.test")
    page.get_by_label("Schedule (cron: minute hour day month weekday)").fill("0 7 * * 1-5")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("Topics subscribers may choose (one per line; empty: every section)").fill(
        "Ferries\nWeather"
    )
    page.click("text=Save newsletter")
    assert "At 07:00, Monday through Friday (Europe/London)" in page.inner_text("main")
    assert page.locator("ol.next-runs li").count() == 3
    wide += photograph(page, "newsletter")

    page.click("text=Its sources")  # opened from the newsletter: it is the one chosen
    page.get_by_label("Feed or page address").fill(feed_url)
    page.click("text=Look at it")
    assert "Found: a feed with 2 articles" in page.inner_text("#found")
    wide += photograph(page, "source-found")
    page.click("text=Add this source")
    assert "Valley Wire is a source of Valley Weekly" in page.inner_text("main")
    wide += photograph(page, "sources")
    page.click("summary:has-text('Rename Valley Wire')")
    page.locator("details.rename").get_by_label("New name").fill("Valley Wire Weekly")
    wide += photograph(page, "source-rename")
    page.locator("details.rename").get_by_role("button", name="Rename").click()
    assert "The source is now called Valley Wire Weekly." in page.inner_text("main")

    csv_path = tmp_path / "readers.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    page.click("nav[aria-label=Admin] >> text=Subscribers")
    page.click("text=Import CSV")
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.click("button:has-text('Import')")  # no newsletter is chosen for the admin
    assert "Choose a newsletter." in page.inner_text("main")
    wide += photograph(page, "import-choose")
    page.get_by_label("Newsletter").select_option(label="Valley Weekly")
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.click("button:has-text('Import')")
    report = page.inner_text("#report")
    assert "2 added to Valley Weekly, 0 already there, 1 rejected" in report
    assert "line 3: not an email address" in report
    wide += photograph(page, "import-report")
    page.click("text=See the subscribers")
    wide += photograph(page, "subscribers")

    page.click("nav[aria-label=Admin] >> text=Jobs")
    row = page.locator("tr", has_text="Build and send Valley Weekly")
    row.locator("button:has-text('Run now')").click()
    assert "will start within seconds" in page.inner_text("main")
    wide += photograph(page, "jobs")

    page.click("nav[aria-label=Admin] >> text=Overview")
    card = page.locator("[data-progress-url]").first
    card.wait_for(timeout=30_000) if card.count() else _reload_until_card(page)
    card = page.locator("[data-progress-url]").first
    card.locator("[data-field=status]").filter(has_text="sent").wait_for(timeout=30_000)
    assert card.locator("[data-field=sent]").inner_text() == "2"
    assert card.locator("[data-field=total]").inner_text() == "2"
    assert sorted(r.recipients[0] for r in smtp_server.wait_for(2)) == [
        "ann@example.org",
        "cid@example.org",
    ]
    assert not card.locator("button:has-text('Pause sending')").is_visible()  # updated in place
    wide += photograph(page, "overview-live")
    page.reload()
    assert page.locator("svg.chart rect.bar").count() == 1  # deliveries of edition 1
    wide += photograph(page, "overview-sent")

    page.goto(f"{base}/admin/newsletters/1")  # the ferry story was sent; nothing on the weather
    unpicked = page.inner_text("#unpicked-topics")
    assert "Picked no story in the last 5 sent editions: Weather." in unpicked
    wide += photograph(page, "newsletter-topics")

    page.click("nav[aria-label=Admin] >> text=Users")
    wide += photograph(page, "users")
    assert wide == [], f"pages wider than the screen: {wide}"


def _reload_until_card(page) -> None:
    """The scheduler takes a moment to claim the run: reload until the edition shows."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not page.locator("[data-progress-url]").count():
        time.sleep(0.5)
        page.reload()
