"""Building an edition: select, summarize, group, store; a rebuild keeps the editor's work.

A rebuild never throws away what the editor did. Items already in the draft stay
as they are (pins, exclusions, order, section, edited headline and summary); new
articles join the story they belong to, or come in as new stories at the end of
their section (under the editor's name for it, if it was renamed), new sections last.

A newsletter that orders by clicks (`orders_by_clicks`, off by default) places new stories
within their section by how often readers clicked their source and section over the last
90 days (digest/group/learned.py), read through `rates`, which the face passes in (the
history belongs to delivery, a later step). Pins and the editor's moves still come first:
only stories the build places are ordered, and a rebuild keeps the order it found.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from digest.edition.arrange import PlacedItem, SummaryLength, arrange_items
from digest.edition.lifecycle import ensure_editable
from digest.edition.overrides import renumber
from digest.edition.repeats import find_sent, mark_repeat
from digest.edition.select import arrived_since, select_candidates
from digest.edition.slots import slot_edition
from digest.errors import DigestError
from digest.extensions import db
from digest.models import Edition, EditionItem, EditionStatus, Newsletter, utcnow

if TYPE_CHECKING:
    from digest.group.learned import ClickRates
    from digest.group.repeats import Repeat

log = logging.getLogger(__name__)
# A newsletter's recent click history, as of a moment (digest.deliver.rates.click_rates).
RatesOf = Callable[[Newsletter, datetime], "ClickRates"]


class NothingNew(DigestError):
    """A build asked for only if something arrived found nothing since `since`: none was made."""

    http_status = 409

    def __init__(self, newsletter_id: int, since: datetime) -> None:
        super().__init__(f"nothing new for newsletter {newsletter_id} since {since:%Y-%m-%d %H:%M}")
        self.newsletter_id = newsletter_id
        self.since = since


@dataclass
class BuildReport:
    """What a build did: the edition, the headlines of new stories, articles joining old ones."""

    edition: Edition
    added: list[str] = field(default_factory=list)
    joined: int = 0
    is_new: bool = False
    repeated: int = 0  # new stories whose event an earlier edition sent (left out, or updates)


def build_edition(
    newsletter: Newsletter,
    slot: datetime | None = None,
    cadence: str = "every",
    *,
    rates: RatesOf | None = None,
    now: datetime | None = None,
) -> Edition:
    """The next edition: a slot is built at most once; a manual build refreshes the draft.

    `cadence` "weekly" builds the weekly edition of the slot: the stories since the
    previous weekly edition, for the readers who asked for one email a week. `now` is the
    clock (the current time unless a test or a replay gives one).
    """
    return build_next(newsletter, slot, cadence, rates=rates, now=now).edition


def build_next(
    newsletter: Newsletter,
    slot: datetime | None = None,
    cadence: str = "every",
    *,
    only_if_new: bool = False,
    rates: RatesOf | None = None,
    now: datetime | None = None,
) -> BuildReport:
    """Like build_edition, and says what was added. With `only_if_new` (an editor's button)
    a new edition is made only with something in it: else NothingNew, and nothing is made."""
    if slot is not None:
        existing = slot_edition(newsletter, slot, cadence)
        if existing is not None:
            return BuildReport(existing)
    draft = None if slot is not None else _open_draft(newsletter, cadence)
    now = now or utcnow()
    is_new = draft is None
    if is_new and only_if_new and not select_candidates(newsletter, now, None):
        raise NothingNew(newsletter.id, arrived_since(newsletter, now, None))
    if draft is None:
        draft = Edition(
            newsletter=newsletter,
            slot=slot or now,  # a manual build is its own slot
            cadence=cadence,
            subject=default_subject(newsletter, slot or now, cadence),
            intro=newsletter.intro,
            created_at=now,
        )
        db.session.add(draft)
        db.session.flush()
    report = _refill(draft, now, rates)
    report.is_new = is_new
    log_build(report)
    return report


def refill_edition(edition: Edition, now: datetime, rates: RatesOf | None = None) -> BuildReport:
    """Add the articles that arrived since the draft was built, keeping every editor change."""
    report = _refill(edition, now, rates)
    log_build(report)
    return report


def _refill(edition: Edition, now: datetime, rates: RatesOf | None) -> BuildReport:
    ensure_editable(edition)
    newsletter = edition.newsletter
    kept = {item.article_id: item for item in edition.items}
    articles = select_candidates(newsletter, now, edition)
    report = BuildReport(edition)
    if not [article for article in articles if article.id not in kept]:
        return report
    length = SummaryLength(newsletter.summary_sentences, newsletter.summary_words)
    learned = _learned_rates(newsletter, now, rates)
    arranged = arrange_items(articles, newsletter.sections or None, length, learned)
    fresh = [s for s in _stories(arranged) if not any(p.article.id in kept for p in s)]
    repeats = _repeats(edition, fresh)
    left_out = {key for key, repeat in repeats.items() if repeat and not repeat.is_update}
    placed = keep_newest_stories(arranged, articles, newsletter, left_out)
    order = _kept_order(edition)
    renames = edition.section_renames or {}
    for story in _stories(placed):
        old = [kept[p.article.id] for p in story if p.article.id in kept]
        new = [p for p in story if p.article.id not in kept]
        if not new:
            continue
        if old:
            lead = next((item for item in old if item.is_representative), old[0])
            for p in new:
                _add(edition, p, lead.story_key, False, lead.section, lead.summary)
            report.joined += len(new)
            continue
        section = renames.get(new[0].section, new[0].section)
        head = _add(edition, new[0], new[0].story_key, True, section, new[0].summary)
        members = [head] + [_add(edition, p, new[0].story_key, False, section, []) for p in new[1:]]
        mark_repeat(members, repeats.get(new[0].story_key))
        order.setdefault(section, []).append(head)
        report.added.append(head.article.title)
        report.repeated += head.repeat_of is not None
    edition.ordered_by_clicks = edition.ordered_by_clicks or bool(report.added and learned)
    db.session.flush()
    renumber(edition, order)
    return report


def _repeats(edition: Edition, fresh: list[list[PlacedItem]]) -> dict[int, Repeat | None]:
    """New stories (by story key) whose event an earlier edition sent: left out, or updates."""
    found = find_sent(edition, [[p.article for p in story] for story in fresh])
    return {story[0].story_key: repeat for story, repeat in zip(fresh, found, strict=True)}


def _learned_rates(
    newsletter: Newsletter, now: datetime, rates: RatesOf | None
) -> ClickRates | None:
    """The click history to order by: None when the newsletter does not learn, or has
    nothing to learn from yet."""
    if not newsletter.orders_by_clicks or rates is None:
        return None
    history = rates(newsletter, now)
    return None if history.is_empty else history


def rebuild_edition(edition: Edition, rates: RatesOf | None = None) -> BuildReport:
    """This draft refreshed from its sources, keeping every editor change."""
    return refill_edition(edition, utcnow(), rates)


def log_build(report: BuildReport) -> None:
    """One line for a build that made an edition or changed one; a refresh that found
    nothing new says nothing."""
    if not (report.is_new or report.added or report.joined):
        return
    edition = report.edition
    fields = {"edition": edition.id, "newsletter": edition.newsletter_id}
    said = "built" if report.is_new else "rebuilt"
    log.info(
        "%s: %d new stories (%d of them sent before: left out, or updates), "
        "%d articles joined stories already in it",
        said,
        len(report.added),
        report.repeated,
        report.joined,
        extra=fields,
    )


def resummarize(edition: Edition) -> None:
    """Summaries of a draft at the newsletter's current length (edited summaries stay)."""
    from digest.summarize import summarize

    ensure_editable(edition)
    newsletter = edition.newsletter
    for item in edition.items:
        if item.is_representative and item.article.text:
            item.summary = summarize(
                item.article.text,
                item.article.title,
                newsletter.summary_sentences,
                max_words=newsletter.summary_words,
            )
    db.session.flush()


def _kept_order(edition: Edition) -> OrderedDict[str, list[EditionItem]]:
    """The draft's stories by section, in their current order (pins aside)."""
    order: OrderedDict[str, list[EditionItem]] = OrderedDict()
    for item in sorted(edition.items, key=lambda item: item.position):
        if item.is_representative:
            order.setdefault(item.section, []).append(item)
    return order


def _stories(placed: list[PlacedItem]) -> list[list[PlacedItem]]:
    stories: OrderedDict[int, list[PlacedItem]] = OrderedDict()
    for p in placed:
        stories.setdefault(p.story_key, []).append(p)
    return list(stories.values())


def _add(
    edition: Edition,
    placed: PlacedItem,
    story_key: int,
    is_representative: bool,
    section: str,
    summary: list[str],
) -> EditionItem:
    item = EditionItem(
        newsletter_id=edition.newsletter_id,
        cadence=edition.cadence,
        article=placed.article,
        story_key=story_key,
        is_representative=is_representative,
        section=section,
        position=len(edition.items),
        summary=summary if is_representative else [],
    )
    edition.items.append(item)
    return item


def keep_newest_stories(
    placed: list, articles: list, newsletter: Newsletter, left_out: Set[int] = frozenset()
) -> list:
    """At most the newsletter's `max_stories` stories, the newest first; arranged order kept.

    Stories in `left_out` (repeats of an earlier edition's) come along where their age puts
    them but take no place: they will not go out, so they count against no limit."""
    newest = {id(a): rank for rank, a in enumerate(articles)}  # articles come newest first
    rank: dict[int, int] = {}
    for item in placed:
        rank[item.story_key] = min(rank.get(item.story_key, 1 << 30), newest[id(item.article)])
    limit, counted, kept = newsletter.max_stories or len(rank), 0, set()
    for key in sorted(rank, key=rank.get):
        if counted == limit:
            break
        kept.add(key)
        counted += key not in left_out
    return [item for item in placed if item.story_key in kept]


def _open_draft(newsletter: Newsletter, cadence: str) -> Edition | None:
    return db.session.scalars(
        select(Edition)
        .where(
            Edition.newsletter_id == newsletter.id,
            Edition.cadence == cadence,
            Edition.status == EditionStatus.DRAFT,
            Edition.released_at.is_(None),
        )
        .order_by(Edition.created_at.desc())
        .limit(1)
    ).first()


def default_subject(newsletter: Newsletter, day: datetime, cadence: str = "every") -> str:
    """'Riverside Weekly #3: 2 December 2026': the title, the edition's number, its day.

    Numbered as a newspaper numbers its issues: after the editions of the cadence that went out
    or still may. One cancelled before it went out gives its number back, unless that would
    repeat its title (the same day): no two editions of a newsletter share a title."""
    local = day.astimezone(ZoneInfo(newsletter.timezone))
    date = f"{local.day} {local:%B %Y}"
    if cadence == "weekly":
        date = f"the week to {date}"
    editions = db.session.execute(
        select(Edition.subject, Edition.cadence, Edition.status, Edition.released_at).where(
            Edition.newsletter_id == newsletter.id
        )
    ).all()
    live = [
        e.subject
        for e in editions
        if e.cadence == cadence
        and not (e.status is EditionStatus.CANCELLED and e.released_at is None)
    ]
    number = 1 + max([len(live), *(_number_in(subject, newsletter.title) for subject in live)])
    taken = {e.subject for e in editions}
    while (subject := f"{newsletter.title} #{number}: {date}") in taken:
        number += 1
    return subject


def _number_in(subject: str, title: str) -> int:
    """The number a default subject gave (0 when the editor wrote her own)."""
    found = re.match(re.escape(title) + r" #(\d+):", subject)
    return int(found.group(1)) if found else 0
