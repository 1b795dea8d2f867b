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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from digest.audience.exports import spreadsheet_cell
from digest.deliver.opens import EditionOpens, edition_opens, fold_opens
from digest.deliver.window import visitor_hash, window_salt
from digest.extensions import db
from digest.models import Click, ClickSalt, ClickTotal, Delivery, DeliveryStatus, Edition, utcnow

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
    if salt is None:
        return
    db.session.add(
        Click(
            edition_id=edition.id,
            section=section,
            story=story,
            visitor=visitor_hash(salt, ip, user_agent),
            at=now,
            could_be_human=could_be_human(method, user_agent),
            variant=variant,
            delivery_id=delivery_id,
        )
    )
    db.session.flush()


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
    of each source and section (human clicks per story and reader reached)."""

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
                (s.section_name, history.sections),
            ):
                reach = table.setdefault(key, Reach())
                reach.clicks += s.human
                reach.reached += clicks.delivered
    return history
