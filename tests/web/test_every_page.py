"""Every page, in a real Chromium at 1280, 375 and 320 px: photographed (to
$DIGEST_SCREENSHOTS, else the test's folder), checked with axe-core for serious and critical
problems, and never wider than the screen. A reader's whole path is walked through the pages
themselves: subscribe, confirm, preferences, unsubscribe."""

# ruff: noqa: F811  (the browser fixtures are imported from test_browser and taken as arguments)
from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from digest import accounts
from digest.deliver import deliver_edition
from digest.edition import lifecycle
from digest.extensions import db
from digest.links import make_token
from digest.models import Edition, Newsletter, Subscription, User
from tests.support.axe import axe_problems
from tests.support.cli import run_ok
from tests.support.factories import make_edition, make_subscribers, settings_of
from tests.web.test_browser import CHROMIUM, live, prepare  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def checked_page():
    """A page whose context lets axe-core in past the site's Content-Security-Policy."""
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import FLAGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser.new_context(bypass_csp=True).new_page()
        browser.close()


class Inspector:
    """Looks at the page in view: a screenshot, axe-core's findings, its width."""

    def __init__(self, page, width: int, folder: Path) -> None:
        self.page, self.width, self.folder = page, width, folder
        self.problems: list[str] = []
        self.seen: list[str] = []

    def look(self, name: str) -> None:
        self.page.screenshot(path=str(self.folder / f"{name}-{self.width}.png"), full_page=True)
        self.seen.append(name)
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        if wide > self.width:
            self.problems.append(f"{name}: {wide} px wide on a {self.width} px screen")
        self.problems += [f"{name}: {problem}" for problem in axe_problems(self.page)]

    def visit(self, name: str, url: str) -> None:
        self.page.goto(url)
        self.look(name)


def readers_clicked(edition_id: int) -> None:
    """A few human clicks on the sent edition's stories, so its card has something to show."""
    from digest.deliver.clicks import record_click

    edition = db.session.get(Edition, edition_id)
    agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 reader-"
    at = edition.released_at or edition.created_at
    for n, story in enumerate([0, 0, 1, 2]):  # two readers, minutes apart
        record_click(
            edition,
            0,
            story,
            method="GET",
            ip="198.51.100.7",
            user_agent=f"{agent}{n % 2}",
            now=at + timedelta(minutes=n + 1),
        )


def subject_test_running(app, newsletter: Newsletter) -> int:
    """An edition whose subject test's sample went out and whose other readers wait."""
    make_subscribers(newsletter, 60, start=5000)
    edition = make_edition(newsletter, items=[{"title": "Night buses return to the valley"}])
    edition.other_subjects = ["Buses at night, and four more stories"]
    lifecycle.approve(edition)
    db.session.commit()
    deliver_edition(edition.id, settings_of(app), wait=False)
    return edition.id


def link(app, purpose: str, subscription_id: int) -> str:
    return f"/{purpose}/{make_token(settings_of(app).links, purpose, subscription_id)}"


def mail_received(newsletter: Newsletter) -> int:
    """A mail source that received an issue, a confirmation request and an empty mail."""
    from digest.ingest.inbox import add_mail_source
    from digest.models import MailStatus, SourceMail, utcnow

    source = add_mail_source(newsletter, "Harbour letters")
    source.last_success_at = utcnow()
    confirm = "https://valleyweekly.example/subscribe/confirm?token=7f3a9c4e8b1d2f6a9c3e5b7d1f"
    for n, (status, subject, fields) in enumerate([
        (MailStatus.ARTICLES, "River bridge reopens, tidal power trial", {"article_count": 3}),
        (MailStatus.SIGNUP, "Please confirm your subscription to Valley Weekly",
         {"links": [["Yes, subscribe me", confirm]]}),
        (MailStatus.EMPTY, "December", {"reason": "no text left once the newsletter's wrapping "
                                        "was removed"}),
    ]):  # fmt: skip
        db.session.add(
            SourceMail(source_id=source.id, sender="Valley Weekly", subject=subject, raw=b"",
                       fingerprint=str(n), status=status, **fields)
        )  # fmt: skip
    db.session.commit()
    return source.id


@pytest.mark.parametrize("width", [1280, 375, 320])
def test_every_page_is_accessible_fits_and_is_photographed(live, checked_page, tmp_path, width):
    app, base = live
    page = checked_page
    sent = prepare(app, tmp_path)
    newsletter = db.session.scalar(db.select(Newsletter).filter_by(slug="city"))
    newsletter.tracks_readers = newsletter.tracks_opens = True  # their notices and counts shown
    db.session.commit()
    run_ok(app.test_cli_runner(), "send", str(sent))
    draft = make_edition(newsletter, items=[{"title": "Ferry timetable changes in spring"}])
    readers_clicked(sent)
    draft.ordered_by_clicks = True  # the workspace's note on an order learned from clicks
    db.session.commit()
    tested = subject_test_running(app, newsletter)
    folder = Path(os.environ.get("DIGEST_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    see = Inspector(page, width, folder)

    # A visitor becomes a reader and leaves again, through the pages alone.
    see.visit("home", base + "/")
    see.visit("subscribe", base + "/subscribe")
    see.visit("newsletter", base + "/subscribe/city")
    page.fill("input[name=email]", "visitor@example.org")
    page.click("form button[type=submit]")
    see.look("check-inbox")
    subscription = db.session.scalar(db.select(Subscription).order_by(Subscription.id.desc()))
    see.visit("confirm", base + link(app, "confirm", subscription.id))
    page.click("text=Confirm my subscription")
    see.look("confirmed")
    see.visit("preferences", base + link(app, "preferences", subscription.id))
    see.visit("unsubscribe", base + link(app, "unsubscribe", subscription.id))
    page.click("main form button[type=submit]")
    see.look("unsubscribed")
    see.visit("preferences-unsubscribed", base + link(app, "preferences", subscription.id))
    see.visit("broken-link", base + "/confirm/not-a-real-token")
    see.visit("archive-list", base + "/archive/city")
    see.visit("archive", base + f"/archive/city/{sent}")
    see.visit("embed-code", base + "/subscribe/city/embed-code")
    see.visit("not-found", base + "/no-such-page")

    # An invited editor chooses a password.
    invited = accounts.invite_user("new@example.org", accounts.Role.EDITOR)
    db.session.commit()
    token = accounts.invite_token(invited, settings_of(app).links.secret_key)
    see.visit("invite", base + f"/admin/invite/{token}")

    # Staff pages, signed in as an admin.
    see.visit("login", base + "/admin/login")
    page.fill("input[name=email]", "ed@example.org")
    page.fill("input[name=password]", "pw")
    page.click("main button[type=submit]")
    db.session.execute(db.update(User).where(User.email == "ed@example.org").values(is_admin=True))
    db.session.commit()
    see.visit("editor", base + "/editor/")
    see.visit("clicks", base + "/editor/city/clicks")
    see.visit("edition-sent", base + f"/editor/edition/{sent}")
    see.visit("edition-draft", base + f"/editor/edition/{draft.id}")
    page.get_by_role("button", name="Cancel edition").click()
    see.look("confirm-cancel")
    see.visit("edition-subject-test", base + f"/editor/edition/{tested}")
    add_hub_subscription()  # the Sources page shows a feed's WebSub state
    for name, path in [
        ("admin", "/admin/"),
        ("newsletters", "/admin/newsletters"),
        ("newsletter-new", "/admin/newsletters/new"),
        ("newsletter-edit", f"/admin/newsletters/{newsletter.id}"),
        ("sources", "/admin/sources"),
        ("subscribers", "/admin/subscribers"),
        ("subscribers-import", "/admin/subscribers/import"),
        ("jobs", "/admin/jobs"),
        ("health", "/admin/health"),
        ("users", "/admin/users"),
    ]:
        see.visit(name, base + path)
    page.goto(base + "/admin/sources")  # a mail source made with the button, then its mail
    page.select_option("#inbound-newsletter", label=newsletter.title)
    page.get_by_role("button", name="Make an address").click()
    see.look("mail-source-new")
    see.visit("mail-source", base + f"/admin/sources/{mail_received(newsletter)}")

    assert see.problems == [], "\n".join(see.problems)
    assert len(see.seen) == 35  # every page above, photographed and checked


def test_every_control_of_a_page_is_reached_by_tab_and_shows_focus(live, checked_page, tmp_path):
    """Keyboard alone: Tab walks through every link, button and field of the main pages, and
    each one shows where the focus is (an outline or a ring)."""
    app, base = live
    page = checked_page
    edition = prepare(app, tmp_path)
    page.goto(base + "/admin/login")
    page.fill("input[name=email]", "ed@example.org")
    page.fill("input[name=password]", "pw")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r".*/editor/?$"))
    db.session.execute(db.update(User).values(is_admin=True))
    db.session.commit()
    unreached = []
    for path in ["/subscribe/city", f"/editor/edition/{edition}", "/admin/newsletters", "/"]:
        page.goto(base + path)
        wanted = page.evaluate(_MARK_TABBABLE)
        reached: set[int] = set()
        unfocused: list[str] = []
        for _ in range(wanted * 4 + 40):  # frames' own links take presses too
            page.keyboard.press("Tab")
            where = page.evaluate(_FOCUSED)
            if where is None:
                continue
            index, name, ring = where
            if index in reached:
                break  # round once
            reached.add(index)
            if not ring:
                unfocused.append(name)
        if len(reached) < wanted:
            missed = page.evaluate(_NAMES, sorted(reached))
            unreached.append(f"{path}: {len(reached)} of {wanted} reached by Tab; not {missed}")
        unreached += [f"{path}: no visible focus on {name}" for name in unfocused]
    assert unreached == [], "\n".join(unreached)


# What Tab should reach (visible links, buttons and fields, not disabled nor in a closed
# <details>), each marked with
# its number; the count.
_MARK_TABBABLE = """() => {
  const all = [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]')]
    .filter(e => !e.disabled && e.tabIndex >= 0
      && e.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true}))
    // a group of radio buttons is one stop: arrow keys move within it
    .filter((e, i, list) => e.type !== 'radio'
      || list.findIndex(o => o.type === 'radio' && o.name === e.name && o.form === e.form) === i);
  all.forEach((e, i) => e.dataset.tabCheck = i);
  return all.length;
}"""

# The marked controls not in `reached`, by name.
_NAMES = """(reached) => [...document.querySelectorAll('[data-tab-check]')]
  .filter(e => !reached.includes(Number(e.dataset.tabCheck)))
  .map(e => e.tagName.toLowerCase() + ' ' + (e.getAttribute('aria-label') || e.textContent
    || e.name || '').trim().slice(0, 30))"""

# The focused control's number and name, and whether it shows a focus ring (null outside the
# marked controls, as in a frame).
_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e.dataset === undefined || e.dataset.tabCheck === undefined) return null;
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
    || (s.boxShadow && s.boxShadow !== 'none');
  const name = (e.getAttribute('aria-label') || e.textContent || e.name || '').trim();
  return [Number(e.dataset.tabCheck), e.tagName.toLowerCase() + ' ' + name.slice(0, 40), ring];
}"""


def add_hub_subscription() -> None:
    """The first source gets a verified WebSub subscription with a push behind it."""
    from sqlalchemy import select

    from digest.models import HubState, HubSubscription, Source, utcnow

    source_id = db.session.scalars(select(Source.id).order_by(Source.id)).first()
    now = utcnow()
    db.session.add(
        HubSubscription(
            source_id=source_id,
            hub_url="https://pubsubhubbub.example.com/a-rather-long-hub-address/for-phones",
            topic_url="https://river.example/feed.atom",
            secret="s",
            state=HubState.ACTIVE,
            expires_at=now + timedelta(days=10),
            last_push_at=now - timedelta(minutes=5),
            push_count=4,
            refused_count=1,
            last_error="a badly signed delivery was ignored",
        )
    )
    db.session.commit()
