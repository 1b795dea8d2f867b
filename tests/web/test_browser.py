"""Web pages in a real Chromium (Debian's, driven by playwright) against a live server."""

from __future__ import annotations

import re
import shutil
import threading

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from digest.extensions import db
from digest.models import Edition, EditionStatus, User
from tests.support.cli import run_ok
from tests.support.pipeline import prepare_newsletter
from tests.support.smtp import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live(make_app):
    port = free_port()
    app = make_app(base_url=f"http://127.0.0.1:{port}")
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield app, f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context()
        yield context.new_page()
        browser.close()


def prepare(app, tmp_path) -> int:
    runner = app.test_cli_runner()
    prepare_newsletter(runner, tmp_path)
    db.session.add(User(email="ed@example.org", password_hash=generate_password_hash("pw")))
    db.session.commit()
    return int(run_ok(runner, "build", "city").strip().splitlines()[-1])


def test_a_visitor_subscribes_and_confirms_from_the_email(live, page, smtp_server, tmp_path):
    app, base = live
    prepare(app, tmp_path)
    page.goto(f"{base}/subscribe")
    page.fill("input[name=email]", "visitor@example.org")
    page.click("button[type=submit]")
    assert "Check your inbox" in page.inner_text("h1")
    body = smtp_server.wait_for(1)[-1].text
    page.goto(re.search(r"(http://127\.0\.0\.1:\d+/confirm/\S+)", body).group(1))
    page.click("text=Confirm my subscription")
    assert "You are subscribed" in page.inner_text("h1")


def test_an_editor_excludes_an_item_and_approves(live, page, tmp_path):
    from playwright.sync_api import expect

    app, base = live
    edition_id = prepare(app, tmp_path)
    page.goto(f"{base}/editor/")
    page.fill("input[name=email]", "ed@example.org")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.goto(f"{base}/editor/edition/{edition_id}")
    preview = page.frame_locator("iframe[title='desktop preview']")
    assert preview.get_by_text("Library Opens Late on Fridays").count() >= 1
    page.get_by_role("button", name="Leave out “Library Opens Late on Fridays”").click()
    page.wait_for_selector("#live:has-text('Left out')")
    expect(preview.get_by_text("Library Opens Late on Fridays")).to_have_count(0)
    expect(preview.get_by_text("Harbour Bridge Reopens After Repairs")).to_have_count(1)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("#status-badge:has-text('Approved')")
    db.session.expire_all()
    assert db.session.get(Edition, edition_id).status is EditionStatus.APPROVED


def test_the_unsubscribe_page_button_unsubscribes(live, page, smtp_server, tmp_path):
    app, base = live
    edition_id = prepare(app, tmp_path)
    run_ok(app.test_cli_runner(), "send", str(edition_id))
    header = smtp_server.received[0].message["List-Unsubscribe"]
    page.goto(re.findall(r"<([^>]+)>", header)[0])
    page.click("button")
    assert "You are unsubscribed" in page.inner_text("h1")
