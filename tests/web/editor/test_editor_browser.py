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


def open_workspace(page, base: str, edition_id: int, width: int, query: str = "") -> None:
    """Signed in as the editor, on the edition's workspace at this width."""
    page.set_viewport_size({"width": width, "height": 900 if width > 800 else 800})
    sign_in(page, base)
    page.goto(f"{base}/editor/edition/{edition_id}{query}")


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
    open_workspace(page, base, prepare(app, tmp_path), 1280)
    first, second, third = titles(page)
    source = page.locator("li.story", has_text=third).locator(".grip")
    target = page.locator("li.story", has_text=first)
    source.drag_to(target)
    wait_for_toast(page, "New order of")
    assert titles(page) == [third, first, second]
    page.reload()
    assert titles(page) == [third, first, second]


def pause_first_reader(weeks: int = 2) -> int:
    """reader0 pauses her mail: the edition would skip her. Her subscription's id."""
    from datetime import timedelta

    from digest.models import Subscriber, Subscription, utcnow

    subscription = db.session.scalars(
        select(Subscription).join(Subscriber).where(Subscriber.email == "reader0@example.org")
    ).one()
    subscription.paused_until = utcnow() + timedelta(weeks=weeks)
    db.session.commit()
    return subscription.id


def test_plain_text_scrolls_inside_its_frame_and_a_skipped_reader_is_named(live, page, tmp_path):
    app, base = live
    edition_id = prepare(app, tmp_path)
    paused = pause_first_reader()
    open_workspace(page, base, edition_id, 1280, f"?sample={paused}")
    note = page.locator("#skip-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("This reader gets nothing from this edition if it goes out before")
    shoot(page, "editor-skipped-reader", 1280)

    # Choosing another reader by keyboard hides the note; choosing her again shows it.
    page.locator("#sample").focus()
    page.keyboard.press("ArrowDown")
    expect(note).to_be_hidden()
    page.keyboard.press("ArrowUp")
    expect(note).to_be_visible()

    for width in (375, 320):
        page.set_viewport_size({"width": width, "height": 800})
        page.get_by_role("button", name="Plain text").focus()
        page.keyboard.press("Enter")
        frame = page.frame_locator("iframe[title='plain text preview']")
        text = frame.locator("pre")
        expect(text).to_contain_text("Harbour Bridge Reopens After Repairs")
        assert text.evaluate("pre => getComputedStyle(pre).whiteSpace") == "pre"
        sideways = text.evaluate(
            "pre => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert sideways[0] > sideways[1], "the 72 columns scroll inside the frame"
        page.locator(".preview-card").scroll_into_view_if_needed()
        shoot(page, "editor-plain-text", width)  # asserts the page itself is not wider

    page.goto(f"{base}/editor/edition/{edition_id}/test-link/unsubscribe?sample={paused}")
    expect(page.locator("h1")).to_have_text("A link in a test mail")
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        shoot(page, "editor-test-link", width)


def test_every_step_works_by_keyboard_and_says_what_happened(live, page, tmp_path):
    app, base = live
    open_workspace(page, base, prepare(app, tmp_path), 375)
    first, second, third = titles(page)

    page.get_by_role("button", name=f"Pin “{first}” to the top").focus()
    page.keyboard.press("Enter")
    wait_for_toast(page, "Pinned")
    page.get_by_role("button", name=f"Move “{second}” up").focus()
    page.keyboard.press("Enter")
    wait_for_toast(page, "Nothing moved")
    expect(page.locator("#live")).to_contain_text("pinned stories stay above it")
    assert titles(page) == [first, second, third]
    assert page.evaluate("document.activeElement.id").startswith("up-")
    shoot(page, "editor-nothing-moved", 375)
    page.get_by_role("button", name=f"Move “{third}” up").focus()
    page.keyboard.press("Enter")
    wait_for_toast(page, "Moved up")
    assert titles(page) == [first, third, second]

    page.get_by_role("button", name="Hold").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#status-badge:has-text('Held')")
    expect(page.locator("#when")).to_contain_text("Held by ed@example.org")
    shoot(page, "editor-held", 375)

    page.goto(f"{base}/editor/")
    row = page.locator("table.editions tbody tr").first
    expect(row.locator(".badge-status")).to_have_text("Held")
    assert "City Digest #1: " in row.inner_text()
    page.get_by_role("button", name="Build the next edition").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/editor/")
    expect(page.locator(".flash")).to_contain_text("Nothing new for City Digest since")
    assert db.session.scalar(select(func.count()).select_from(Edition)) == 1
    for width in (375, 320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        shoot(page, "editor-index-nothing-new", width)
