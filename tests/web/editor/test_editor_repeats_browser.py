"""The editor overrides the repeat rule in a real Chromium: a story already sent goes out as an
update when she includes it, and an update stays home when she leaves it out; 1280 and 375 px."""

# ruff: noqa: F811  (the browser fixtures are imported from test_browser and taken as arguments)
from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from digest.edition.build import build_edition
from digest.extensions import db
from digest.models import User
from tests.edition.test_repeats import DEMO, ROVERS_HERALD, poll, send
from tests.support.axe import axe_problems
from tests.support.factories import make_newsletter
from tests.web.editor.test_editor_browser import open_workspace, shoot, wait_for_toast
from tests.web.test_browser import CHROMIUM, live  # noqa: F401  (fixtures)
from tests.web.test_every_page import checked_page  # noqa: F401  (axe-core may run in it)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


def second_edition() -> int:
    """Edition 1 sent the Gazette's Rovers story; edition 2 has the Herald's, left out."""
    letter = make_newsletter("riverside", "Riverside Weekly")
    db.session.add(User(email="ed@example.org", password_hash=generate_password_hash("pw")))
    poll(letter, DEMO / "feed.xml", "Riverside Gazette")
    send(build_edition(letter))
    poll(letter, DEMO / "feeds" / "riverside-herald.xml", "Riverside Herald")
    edition = build_edition(letter)
    db.session.commit()
    return edition.id


def test_the_editor_sends_a_repeat_as_an_update_then_leaves_it_out(live, checked_page):
    app, base = live
    page = checked_page
    edition_id = second_edition()
    open_workspace(page, base, edition_id, 1280)
    story = page.locator("li.story", has_text=ROVERS_HERALD)
    assert story.locator(".badge", has_text="Sent before").count() == 1
    assert "left out" in story.locator(".story-repeat").inner_text()
    preview = page.frame_locator("iframe[title='desktop preview']")
    assert preview.locator("a.title", has_text=ROVERS_HERALD).count() == 0
    shoot(page, "editor-repeat", 1280)
    assert axe_problems(page) == []

    story.get_by_role("button", name="Include as update").click()
    wait_for_toast(page, "Back in")
    story = page.locator("li.story", has_text=ROVERS_HERALD)
    assert story.locator(".badge", has_text="Update").count() == 1
    preview.locator("a.title", has_text=ROVERS_HERALD).wait_for(timeout=15000)
    assert preview.locator("p.update").count() == 1
    shoot(page, "editor-repeat-included", 1280)
    page.set_viewport_size({"width": 375, "height": 800})
    shoot(page, "editor-repeat-included", 375)
    assert axe_problems(page) == []

    page.set_viewport_size({"width": 1280, "height": 900})
    story.get_by_role("button", name="Leave out").click()
    wait_for_toast(page, "Left out")
    preview.locator("p.update").wait_for(state="detached", timeout=15000)
    assert preview.locator("a.title", has_text=ROVERS_HERALD).count() == 0
