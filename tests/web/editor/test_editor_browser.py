"""The editor's workspace in a real Chromium: reorder by keyboard, edit a summary, send a test to
a real SMTP server, approve, and watch the send finish; photographed at 1280 and 375 px."""

# ruff: noqa: F811  (the browser fixtures are imported from test_browser and taken as arguments)
from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from digest.extensions import db
from digest.models import Delivery, Edition, EditionStatus
from digest.schedule.jobs import deliver_due
from tests.web.test_browser import CHROMIUM, live, page, prepare  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]
NEW_SUMMARY = "Late opening starts in March; the homework club runs on Fridays only."


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/admin/login?next=/editor/")
    page.fill("input[name=email]", "ed@example.org")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/editor/")


def titles(page) -> list[str]:
    return page.locator(".stories .story-title").all_inner_texts()


def wait_for_toast(page, text: str) -> None:
    page.wait_for_selector(f"#live:has-text('{text}')", timeout=15000)


def shoot(page, name: str, width: int) -> None:
    default = Path(tempfile.gettempdir()) / "digest-screenshots"  # never inside the checkout
    folder = Path(os.environ.get("DIGEST_SCREENSHOTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name} is {scroll} px wide at {width} px"


def test_an_editor_shapes_tests_approves_and_watches_the_send(live, page, smtp_server, tmp_path):
    app, base = live
    edition_id = prepare(app, tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base)
    page.goto(f"{base}/editor/edition/{edition_id}")
    first, second, third = titles(page)

    # Reorder two stories with the keyboard alone: focus "Down" on the first and press Enter.
    down = page.get_by_role("button", name=f"Move “{first}” down")
    down.focus()
    page.keyboard.press("Enter")
    wait_for_toast(page, "Moved down")
    assert titles(page) == [second, first, third]
    assert page.evaluate("document.activeElement.id").startswith("down-")  # focus stays put
    preview = page.frame_locator("iframe[title='desktop preview']")
    expect(preview.locator("h3").first).to_have_text(second)

    # Edit a summary; the preview shows it without a page reload.
    story = page.locator("li.story", has_text="Library Opens Late on Fridays")
    story.get_by_text("Edit headline and summary").click()
    story.get_by_label("Summary").fill(NEW_SUMMARY)
    story.get_by_role("button", name="Save story").click()
    wait_for_toast(page, "Saved")
    preview.get_by_text(NEW_SUMMARY).wait_for(timeout=15000)
    assert story.get_by_text("Edited").count() == 1
    shoot(page, "editor-workspace", 1280)

    # A test goes to the signed-in editor through the real SMTP server, and not into the ledger.
    page.get_by_role("button", name="Send a test to me").click()
    wait_for_toast(page, "Test sent to ed@example.org")
    test_mail = smtp_server.wait_for(1)[0]
    assert test_mail.message["Subject"].startswith("[Test] ")
    assert test_mail.recipients == ["ed@example.org"]
    html = test_mail.message.get_body(("html",)).get_content()
    assert NEW_SUMMARY in html and "ed@example.org subscribed to it" in html
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0

    # Approve, then watch the scheduler's send finish on the page without reloading it.
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("#status-badge:has-text('Approved')")
    page.evaluate("window.__stayed = true")  # gone if the page reloads
    sender = threading.Thread(target=deliver_due, args=(app,))
    sender.start()
    page.wait_for_selector("#status-badge:has-text('Sent')", timeout=60000)
    sender.join(timeout=60)
    assert page.evaluate("window.__stayed === true")
    assert page.inner_text("[data-count=sent]") == "3"
    db.session.expire_all()
    assert db.session.get(Edition, edition_id).status is EditionStatus.SENT
    assert len(smtp_server.received) == 4
    shoot(page, "editor-sent", 1280)
    page.set_viewport_size({"width": 375, "height": 800})
    shoot(page, "editor-sent", 375)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/editor/")
    assert "3" in page.locator("table.editions tbody tr").first.inner_text()
    shoot(page, "editor-index", 1280)


def test_the_workspace_fits_a_phone(live, page, tmp_path):
    app, base = live
    edition_id = prepare(app, tmp_path)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, base)
    page.goto(f"{base}/editor/edition/{edition_id}")
    page.locator("details.story-edit summary").first.click()
    page.frame_locator("iframe[title='desktop preview']").get_by_text(
        "City Digest"
    ).first.wait_for()
    shoot(page, "editor-workspace", 375)
    page.get_by_role("button", name="Phone").click()
    shoot(page, "editor-phone-preview", 375)
    page.goto(f"{base}/editor/")
    shoot(page, "editor-index", 375)


def test_an_editor_drags_a_story_to_a_new_place(live, page, tmp_path):
    app, base = live
    edition_id = prepare(app, tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base)
    page.goto(f"{base}/editor/edition/{edition_id}")
    first, second, third = titles(page)
    source = page.locator("li.story", has_text=third).locator(".grip")
    target = page.locator("li.story", has_text=first)
    source.drag_to(target)
    wait_for_toast(page, "New order of")
    assert titles(page) == [third, first, second]
    page.reload()
    assert titles(page) == [third, first, second]
