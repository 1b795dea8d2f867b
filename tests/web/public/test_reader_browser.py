"""A reader's whole journey in Chromium, with the confirmation read from a real SMTP server."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from digest.extensions import db
from digest.models import Newsletter, Subscriber, Subscription, SubscriptionStatus
from tests.support.cli import run_ok
from tests.web.test_browser import CHROMIUM, live, page, prepare  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]
CONFIRM = re.compile(r"(http://127\.0\.0\.1:\d+/confirm/\S+)")


class Camera:
    """Screenshots of each step into $DIGEST_SCREENSHOTS; fails on sideways scrolling."""

    def __init__(self, browser_page, folder: Path, width: int):
        self.page, self.folder, self.width = browser_page, folder, width
        folder.mkdir(parents=True, exist_ok=True)

    def shoot(self, name: str) -> None:
        self.page.screenshot(
            path=str(self.folder / f"reader-{name}-{self.width}.png"), full_page=True
        )
        scroll = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= self.width, f"{name} is {scroll} px wide at {self.width}"


def offer_topics(app) -> None:
    newsletter = db.session.scalars(select(Newsletter)).one()
    newsletter.description = "The harbour, the orchards and the library: the city in five minutes."
    newsletter.topic_choices = ["News", "Science", "Sport"]
    newsletter.offers_weekly = True
    db.session.commit()


def confirmation_link(smtp_server, count: int) -> str:
    return CONFIRM.search(smtp_server.wait_for(count)[-1].text).group(1)


@pytest.mark.parametrize("width", [1280, 375, 320])
def test_a_reader_subscribes_with_topics_confirms_tunes_leaves_and_returns(  # noqa: F811
    live,  # noqa: F811
    page,  # noqa: F811
    smtp_server,
    tmp_path,
    width,  # noqa: F811
):
    app, base = live
    edition_id = prepare(app, tmp_path)
    run_ok(app.test_cli_runner(), "send", str(edition_id))
    offer_topics(app)
    sent_before = len(smtp_server.received)
    folder = Path(os.environ.get("DIGEST_SCREENSHOTS") or tmp_path / "screenshots")
    page.set_viewport_size({"width": width, "height": 900})
    camera = Camera(page, folder, width)

    page.goto(f"{base}/")
    camera.shoot("home")
    page.goto(f"{base}/subscribe/city")
    page.fill("input[name=email]", "reader at example")
    page.check("input[value=Science]")
    page.click("button[type=submit]")
    assert page.locator("#email-errors[role=alert]").count() == 1
    assert page.input_value("input[name=email]") == "reader at example"
    camera.shoot("subscribe-error")
    page.fill("input[name=email]", "visitor@example.org")
    page.fill("input[name=name]", "Vera")
    page.click("button[type=submit]")
    assert "Check your inbox" in page.inner_text("h1")
    camera.shoot("check-inbox")

    page.goto(confirmation_link(smtp_server, sent_before + 1))
    assert "Confirm your subscription" in page.inner_text("h1")
    camera.shoot("confirm")
    page.click("text=Confirm my subscription")
    assert "You are subscribed" in page.inner_text("h1")
    camera.shoot("confirmed")
    welcome = smtp_server.wait_for(sent_before + 2)[-1]
    assert welcome.recipients == ["visitor@example.org"]

    page.click("text=Choose topics, frequency or a pause")
    assert page.is_checked("input[value=Science]")
    page.check("input[value=Sport]")
    page.check("input[value=weekly]")
    page.select_option("select[name=pause]", "2")
    page.click("text=Save preferences")
    assert "Your preferences are saved" in page.inner_text("main")
    camera.shoot("preferences")
    db.session.expire_all()
    subscription = db.session.scalars(
        select(Subscription).join(Subscriber).where(Subscriber.email == "visitor@example.org")
    ).one()
    assert sorted(subscription.topics) == ["Science", "Sport"]
    assert subscription.frequency == "weekly" and subscription.paused_until is not None

    page.click("text=Unsubscribe instead")
    camera.shoot("unsubscribe")
    page.click("button:has-text('Unsubscribe')")
    assert "You are unsubscribed" in page.inner_text("h1")
    camera.shoot("unsubscribed")

    db.session.refresh(subscription)
    db.session.refresh(subscription.subscriber)
    subscription.subscriber.confirmation_sent_at -= timedelta(days=1, minutes=1)  # a day later
    subscription.unsubscribed_at -= timedelta(seconds=2)
    db.session.commit()
    page.click("text=Resubscribe")
    page.fill("input[name=email]", "visitor@example.org")
    page.click("button[type=submit]")
    assert "Check your inbox" in page.inner_text("h1")
    page.goto(confirmation_link(smtp_server, sent_before + 3))
    page.click("text=Confirm my subscription")
    assert "You are subscribed" in page.inner_text("h1")
    db.session.expire_all()
    assert db.session.get(Subscription, subscription.id).status is SubscriptionStatus.ACTIVE

    page.goto(f"{base}/archive/city")
    camera.shoot("archive")
    page.click(f"a[href='/archive/city/{edition_id}']")
    assert page.locator("#story-1-1").count() == 1
    camera.shoot("edition")
