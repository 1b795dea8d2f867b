"""The sender-health page in a real Chromium: with returned mail on it, at 1280 and 375 px,
and the self-test run from its button against the live server."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.models import User
from digest.schedule.jobs import run_requested
from tests.support.factories import make_edition, make_newsletter, make_subscribers, settings_of
from tests.support.inbound import BOUNCE_BASE, InboundServer, corpus_message, rows_of
from tests.support.smtp import free_port
from tests.web.test_browser import CHROMIUM, page  # noqa: F401  (the browser fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def live(make_app, smtp_server):
    port = free_port()
    app = make_app(base_url=f"http://127.0.0.1:{port}", bounce_address=BOUNCE_BASE)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield app, f"http://127.0.0.1:{port}"
    server.shutdown()


def returned_mail(app) -> None:
    newsletter = make_newsletter()
    edition = make_edition(newsletter, items=2)
    lifecycle.approve(edition)
    db.session.commit()
    make_subscribers(newsletter, 12)
    deliver_edition(edition.id, settings_of(app))
    rows = rows_of(edition.id)
    inbound = InboundServer(app)
    try:
        inbound.send(corpus_message("o365_recipient_not_found.eml", rows[0]), rows[0].return_path)
        inbound.send(corpus_message("qmail_over_quota.eml", rows[1]), rows[1].return_path)
        inbound.send(corpus_message("aol_arf_redacted.eml", rows[2]), BOUNCE_BASE, "scomp@aol.net")
        mailto = corpus_message("mailto_unsubscribe_gmail.eml", rows[3])
        inbound.send(mailto, rows[3].unsubscribe, rows[3].email)
    finally:
        inbound.stop()
    db.session.add(
        User(email="ad@example.org", password_hash=generate_password_hash("pw"), is_admin=True)
    )
    db.session.commit()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_health_page_fits_and_its_self_test_runs(live, page, tmp_path, width):  # noqa: F811
    app, base = live
    returned_mail(app)
    folder = Path(os.environ.get("DIGEST_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base}/admin/login")
    page.fill("input[name=email]", "ad@example.org")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.goto(f"{base}/admin/")
    page.click("nav[aria-label=Admin] >> text=Health")
    assert page.inner_text("h1") == "Sender health"
    page.focus("select[name=edition]")  # keyboard: the self-test form is reachable and labelled
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Self-test started")
    run_requested(app)  # the scheduler's next second
    page.reload()
    assert page.locator("li", has_text="unsubscribed at once").count() == 1
    page.screenshot(path=str(folder / f"health-data-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("text=Check the DNS records now")
    page.screenshot(path=str(folder / f"health-dns-{width}.png"), full_page=True)
    assert "Set DIGEST_DNS_RESOLVER" in page.inner_text("#dns-h + p + p + p")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
