"""Which stories readers open, counted without tracking people.

A story link in a sent mail points at /c/<token>: the token names the edition and the story's
place in its frozen snapshot, and the answer is a redirect to the story's URL as frozen (a
forged or altered token is refused, so the link is never an open redirect). While the
edition's statistics window is open (30 days by default), each request is stored as a click:
the story, the time, whether the request itself could be a person's (a GET from no known link
scanner), and who as a salted hash of the IP address and user agent, never the address, the IP
or the agent itself. The salt belongs to the edition and is destroyed when the window closes;
the clicks are then folded into counts per story and deleted.

Link scanners (Microsoft Safe Links, Proofpoint, Mimecast, Barracuda and the like) fetch every
link of a message within seconds of its delivery. A click counts as human only when it could
be a person's and its visitor did not, within `BURST_SECONDS`, open most of the edition's
links; the rest are reported as machine clicks.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select

from digest.audience.exports import spreadsheet_cell
from digest.audience.topics import built_name
from digest.deliver.opens import EditionOpens, edition_opens, fold_opens
from digest.deliver.window import open_window, visitor_hash, window_salt
from digest.extensions import db
from digest.models import (
    Click,
    ClickSalt,
    ClickTotal,
    Delivery,
    DeliveryStatus,
    Edition,
    Newsletter,
    utcnow,
)

BURST_SECONDS = 5.0
# Mail security gateways and other machines that open links on nobody's behalf.
SCANNER_AGENTS = re.compile(
    r"bot\b|crawler|spider|preview|scan|proofpoint|urldefense|ppops|mimecast|barracuda|"
    r"safelinks|safe links|symantec|messagelabs|forcepoint|trend ?micro|fireeye|sophos|"
    r"zscaler|cisco|ironport|python-|curl/|wget/|go-http-client|java/|okhttp|headless",
    re.IGNORECASE,
)


def could_be_human(method: str, user_agent: str | None) -> bool:
    """A GET from a browser-like agent; HEAD requests and known scanners are machines."""
    return method == "GET" and bool(user_agent) and not SCANNER_AGENTS.search(user_agent or "")


def story_url(edition: Edition, section: int, story: int) -> str | None:
    """The URL of the story at that place in the edition's frozen snapshot, if there is one."""
    sections = (edition.snapshot or {}).get("sections") or []
    if not (edition.is_frozen and 0 <= section < len(sections)):
        return None
    stories = sections[section].get("stories") or []
    if not 0 <= story < len(stories):
        return None
    url = stories[story].get("url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


# The click path's statements, built once: a storm runs them thousands of times a second.
_edition, _newsletter, _salt = Edition.__table__, Newsletter.__table__, ClickSalt.__table__
_WINDOW = (
    select(
        _edition.c.released_at,
        _newsletter.c.tracks_clicks,
        _newsletter.c.click_window_days,
        _salt.c.salt,
        _salt.c.closes_at,
    )
    .join(_newsletter, _newsletter.c.id == _edition.c.newsletter_id)
    .outerjoin(_salt, _salt.c.edition_id == _edition.c.id)
    .where(_edition.c.id == bindparam("edition_id"))
)
_INSERT_CLICK = Click.__table__.insert()


def follow_link(
    edition_id: int,
    section: int,
    story: int,
    *,
    method: str,
    ip: str | None,
    user_agent: str | None,
    variant: int = 0,
    delivery_id: int | None = None,
    now: datetime | None = None,
) -> str | None:
    """Where a tracked link leads (None: no such story in a sent edition), the click stored
    when its newsletter counts clicks and the edition's window is open; flushes only.
    `delivery_id` is the reader's row, already checked (digest/deliver/readers.py).

    Made for a click storm: one small read (the window, the salt, the newsletter's switch)
    and one insert a click. The story URLs come from the frozen snapshot, which never
    changes, read once per process (keyed by edition and release time)."""
    now = now or utcnow()
    connection = db.session.connection()
    row = connection.execute(_WINDOW, {"edition_id": edition_id}).one_or_none()
    if row is None or row.released_at is None:
        return None
    url = _frozen_urls(edition_id, row.released_at).get((section, story))
    if url is None or not row.tracks_clicks:
        return url
    salt = row.salt
    if salt is None:
        closes_at = row.released_at + timedelta(days=row.click_window_days)
        salt = open_window(edition_id, closes_at, now)
    elif now >= row.closes_at:
        salt = None
    if salt is not None:
        _store(edition_id, section, story, salt, method, ip, user_agent, now, variant, delivery_id)
    return url


def record_click(
    edition: Edition,
    section: int,
    story: int,
    *,
    method: str,
    ip: str | None,
    user_agent: str | None,
    variant: int = 0,
    now: datetime | None = None,
    delivery_id: int | None = None,
) -> None:
    """Store one click while the edition's window is open (nothing once it closed); with
    per-reader statistics, the reader's delivery row (digest/deliver/readers.py)."""
    now = now or utcnow()
    salt = window_salt(edition, now)
    if salt is not None:
        _store(edition.id, section, story, salt, method, ip, user_agent, now, variant, delivery_id)


def _store(
    edition_id: int,
    section: int,
    story: int,
    salt: str,
    method: str,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
    variant: int = 0,
    delivery_id: int | None = None,
) -> None:
    """One small row, written without the unit of work (a storm of clicks is all inserts)."""
    row = {
        "edition_id": edition_id,
        "section": section,
        "story": story,
        "visitor": visitor_hash(salt, ip, user_agent),
        "at": now,
        "could_be_human": could_be_human(method, user_agent),
        "variant": variant,
        "delivery_id": delivery_id,
    }
    db.session.connection().execute(_INSERT_CLICK, row)


_URLS: OrderedDict[tuple[int, datetime], dict[tuple[int, int], str]] = OrderedDict()
_URLS_KEPT = 256  # editions whose links one process keeps
_urls_lock = threading.Lock()


def _frozen_urls(edition_id: int, released_at: datetime) -> dict[tuple[int, int], str]:
    """The story URLs of a released edition by (section, story), from its frozen snapshot."""
    key = (edition_id, released_at)
    with _urls_lock:
        if key in _URLS:
            _URLS.move_to_end(key)
            return _URLS[key]
    snapshot = db.session.scalar(select(Edition.snapshot).where(Edition.id == edition_id))
    urls = {}
    for i, section in enumerate((snapshot or {}).get("sections") or []):
        for j, story in enumerate(section.get("stories") or []):
            url = story.get("url")
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                urls[i, j] = url
    with _urls_lock:
        _URLS[key] = urls
        while len(_URLS) > _URLS_KEPT:
            _URLS.popitem(last=False)
    return urls


@dataclass
class StoryClicks:
    section: int
    story: int
    title: str
    url: str
    section_name: str
    human: int = 0
    machine: int = 0


@dataclass
class EditionClicks:
    """What readers opened in one edition."""

    edition_id: int
    delivered: int
    unique_clickers: int
    stories: list[StoryClicks] = field(default_factory=list)
    opens: EditionOpens | None = None  # None: open tracking never counted any

    @property
    def human(self) -> int:
        return sum(s.human for s in self.stories)

    @property
    def machine(self) -> int:
        return sum(s.machine for s in self.stories)

    @property
    def click_rate(self) -> float:
        """Unique human clickers over messages delivered."""
        return self.unique_clickers / self.delivered if self.delivered else 0.0

    def as_csv(self) -> str:
        """One row a story, every cell safe to open in a spreadsheet."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        header = ["section", "title", "url", "human_clicks", "machine_clicks"]
        # the edition's opens, on every row, when they were counted (machine-inflated)
        opened = [self.opens.opens, self.opens.unique_openers] if self.opens else []
        writer.writerow(header + (["edition_opens", "edition_unique_openers"] if opened else []))
        for s in self.stories:
            cells = (s.section_name, s.title, s.url, s.human, s.machine, *opened)
            writer.writerow([spreadsheet_cell(cell) for cell in cells])
        return out.getvalue()

    def as_json(self) -> dict:
        return {
            "edition": self.edition_id,
            "delivered": self.delivered,
            "clicks": {"human": self.human, "machine": self.machine},
            "unique_clickers": self.unique_clickers,
            "stories": [
                {
                    "title": s.title,
                    "url": s.url,
                    "human_clicks": s.human,
                    "machine_clicks": s.machine,
                }
                for s in self.stories
            ],
            "opens": self.opens.as_json() if self.opens else None,
        }


def edition_clicks(edition: Edition) -> EditionClicks:
    """The edition's clicks per story, human and machine, and its unique human clickers."""
    stories = _stories(edition)
    delivered = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.edition_id == edition.id, Delivery.status == DeliveryStatus.SENT)
    )
    totals = db.session.scalars(select(ClickTotal).where(ClickTotal.edition_id == edition.id)).all()
    if totals:
        unique = totals[0].unique_clickers
        for total in totals:
            if (total.section, total.story) in stories:
                stories[total.section, total.story].human = total.human
                stories[total.section, total.story].machine = total.machine
        opens = edition_opens(edition)
        return EditionClicks(edition.id, delivered or 0, unique, list(stories.values()), opens)
    clicks = db.session.scalars(
        select(Click).where(Click.edition_id == edition.id).order_by(Click.visitor, Click.at)
    ).all()
    humans: set[str] = set()
    for click, is_human in classify(clicks, len(stories)):
        place = stories.get((click.section, click.story))
        if place is None:
            continue
        if is_human:
            place.human += 1
            humans.add(click.visitor)
        else:
            place.machine += 1
    return EditionClicks(
        edition.id, delivered or 0, len(humans), list(stories.values()), edition_opens(edition)
    )


def classify(clicks: Sequence[Any], link_count: int) -> list[tuple[Any, bool]]:
    """Each click with whether it counts as human: a request that could be a person's, from a
    visitor who did not open most of the edition's links within BURST_SECONDS. A click is a
    Click or a row with its columns (visitor, at, section, story, could_be_human)."""
    by_visitor: dict[str, list[Any]] = defaultdict(list)
    for click in clicks:
        by_visitor[click.visitor].append(click)
    # most of them: more than half, and three when there are that many
    burst_size = min(link_count, max(3, link_count // 2 + 1)) if link_count > 1 else 0
    out = []
    for visits in by_visitor.values():
        visits.sort(key=lambda c: c.at)
        in_burst = _bursts(visits, burst_size) if burst_size else set()
        out += [(c, c.could_be_human and id(c) not in in_burst) for c in visits]
    return out


def _bursts(visits: list[Any], size: int) -> set[int]:
    """The clicks (by id()) in any stretch of BURST_SECONDS that opened `size` or more
    different stories."""
    marked: set[int] = set()
    start = 0
    window = timedelta(seconds=BURST_SECONDS)
    for end, click in enumerate(visits):
        while click.at - visits[start].at > window:
            start += 1
        stretch = visits[start : end + 1]
        if len({(c.section, c.story) for c in stretch}) >= size:
            marked.update(id(c) for c in stretch)
    return marked


def link_count(snapshot: dict | None) -> int:
    """How many stories an edition's mail links to (what a scanner's burst runs through)."""
    sections = (snapshot or {}).get("sections") or []
    return sum(len(section.get("stories") or []) for section in sections)


def _stories(edition: Edition) -> dict[tuple[int, int], StoryClicks]:
    found = {}
    for i, section in enumerate((edition.snapshot or {}).get("sections") or []):
        for j, story in enumerate(section.get("stories") or []):
            found[i, j] = StoryClicks(
                i, j, story.get("title") or "", story.get("url") or "", section.get("name") or ""
            )
    return found


def windows_to_close(now: datetime | None = None) -> bool:
    """Whether some edition's statistics window has closed with its clicks still stored."""
    due = select(ClickSalt.edition_id).where(ClickSalt.closes_at <= (now or utcnow())).limit(1)
    return db.session.scalar(due) is not None


def close_windows(now: datetime | None = None) -> int:
    """Fold the clicks and opens of every edition whose window closed into counts, then
    delete them (but the per-reader ones while the newsletter keeps per-reader statistics)
    and the edition's salt; how many editions were closed."""
    now = now or utcnow()
    closed = db.session.scalars(select(ClickSalt).where(ClickSalt.closes_at <= now)).all()
    for salt in closed:
        edition = db.session.get(Edition, salt.edition_id)
        if edition is not None:
            stats = edition_clicks(edition)
            for s in stats.stories:
                db.session.add(
                    ClickTotal(
                        edition_id=edition.id,
                        section=s.section,
                        story=s.story,
                        human=s.human,
                        machine=s.machine,
                        unique_clickers=stats.unique_clickers,
                    )
                )
            fold_opens(edition)
        gone = delete(Click).where(Click.edition_id == salt.edition_id)
        if edition is not None and edition.newsletter.tracks_readers:
            gone = gone.where(Click.delivery_id.is_(None))  # kept while the setting is on
        db.session.execute(gone)
        db.session.delete(salt)
    db.session.flush()
    return len(closed)


@dataclass
class Reach:
    """Human clicks on some stories, over the readers those stories reached."""

    clicks: int = 0
    reached: int = 0

    @property
    def rate(self) -> float:
        return self.clicks / self.reached if self.reached else 0.0


@dataclass
class EditionRate:
    edition_id: int
    subject: str
    sent_on: datetime
    delivered: int
    unique_clickers: int

    @property
    def rate(self) -> float:
        return self.unique_clickers / self.delivered if self.delivered else 0.0


@dataclass
class ClickHistory:
    """A newsletter's recent editions by click rate, and how often readers click the stories
    of each source and section (human clicks per story and reader reached). A section counts
    under the name it was built with, which the next build gives it too, not the name an
    editor showed it under."""

    days: int
    editions: list[EditionRate] = field(default_factory=list)
    sources: dict[str, Reach] = field(default_factory=dict)
    sections: dict[str, Reach] = field(default_factory=dict)


def click_history(newsletter_id: int, days: int = 90, now: datetime | None = None) -> ClickHistory:
    """The last `days` of a newsletter's released editions, oldest first."""
    since = (now or utcnow()) - timedelta(days=days)
    editions = db.session.scalars(
        select(Edition)
        .where(
            Edition.newsletter_id == newsletter_id,
            Edition.released_at.is_not(None),
            Edition.released_at >= since,
        )
        .order_by(Edition.released_at)
    ).all()
    history = ClickHistory(days)
    for edition in editions:
        clicks = edition_clicks(edition)
        if not clicks.delivered:
            continue
        history.editions.append(
            EditionRate(
                edition.id,
                edition.subject,
                edition.released_at or since,
                clicks.delivered,
                clicks.unique_clickers,
            )
        )
        sources = {
            (i, j): story.get("source") or ""
            for i, section in enumerate((edition.snapshot or {}).get("sections") or [])
            for j, story in enumerate(section.get("stories") or [])
        }
        for s in clicks.stories:
            for key, table in (
                (sources.get((s.section, s.story), ""), history.sources),
                (built_name(s.section_name, edition.section_renames), history.sections),
            ):
                reach = table.setdefault(key, Reach())
                reach.clicks += s.human
                reach.reached += clicks.delivered
    return history
