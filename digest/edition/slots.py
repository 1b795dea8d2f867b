"""What to do about one slot of a newsletter: the policy as a pure `decide`, and `run_slot`,
the operation that applies it.

Both send modes build the edition of the next slot `review_minutes` before it, so an
editor can look at it and hold it. Review-first asks the editors to review it and sends
only what an editor approved: at the slot, or at once if approved later. Auto-send refreshes
the draft from its sources at the slot (keeping the editor's changes), approves it and sends
it, unless an editor held it. A slot with fewer stories than the newsletter's minimum is
cancelled. "Run now" is a slot of its own, due at once, under the same rules.

`run_slot` flushes and returns the review requests to send; the face commits once, then
sends them. Polling commits source by source, so the face polls first, when
`wants_sources` says a slot will be built or refreshed, and never between decisions.
When a slot is due is the scheduler's business (cron, time zones): it passes the slot
and whether its time has come.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import select

from digest.edition import lifecycle
from digest.edition.mail import review_message
from digest.extensions import db
from digest.models import Edition, EditionStatus, Newsletter, User, utcnow
from digest.words import counted

if TYPE_CHECKING:
    from digest.edition.build import RatesOf  # the click history, for editions that learn

S = EditionStatus


class SlotAction(enum.Enum):
    BUILD = "build"  # no edition for the slot yet
    REFRESH = "refresh"  # add what arrived since the draft was built
    ASK_REVIEW = "ask for review"  # mail the editors; an editor approves
    APPROVE = "approve"  # auto-send: it goes out now
    CANCEL = "cancel"  # too few stories
    WAIT = "wait"  # for its slot, for an editor, or nothing to do


@dataclass(frozen=True)
class SlotFacts:
    """What the decision looks at, read from the newsletter and the slot's edition."""

    is_due: bool  # the slot's time has come (else it is ahead, in its review window)
    reviews_first: bool
    min_stories: int
    status: EditionStatus | None  # of the slot's edition; None when there is none yet
    stories: int = 0
    is_built_now: bool = False  # built in this run
    is_refreshed_now: bool = False  # built or refreshed in this run


def decide(facts: SlotFacts) -> SlotAction:
    """The slot policy; see the module's docstring."""
    if facts.status is None:
        return SlotAction.BUILD
    if facts.status is not S.DRAFT:
        return SlotAction.WAIT
    if not facts.is_due:
        wants_review = facts.is_built_now and facts.reviews_first and facts.stories
        return SlotAction.ASK_REVIEW if wants_review else SlotAction.WAIT
    if not facts.is_refreshed_now and (not facts.reviews_first or not facts.stories):
        return SlotAction.REFRESH
    if facts.stories < max(facts.min_stories, 1):
        return SlotAction.CANCEL
    if facts.reviews_first:
        return SlotAction.ASK_REVIEW if facts.is_built_now else SlotAction.WAIT
    return SlotAction.APPROVE


@dataclass
class SlotOutcome:
    """What a run did: a line for the job history, an edition to send now, mail to send."""

    summary: str
    to_send: int | None = None
    review_requests: list[EmailMessage] = field(default_factory=list)


ReviewLink = Callable[[int], str]  # the editor's page of an edition


def run_slot(
    newsletter: Newsletter,
    slot: datetime,
    is_due: bool,
    review_link: ReviewLink,
    now: datetime | None = None,
    cadence: str = "every",
    rates: RatesOf | None = None,
) -> SlotOutcome:
    """Build, refresh, approve, cancel or ask for review, as `decide` says; flushes only.

    The weekly edition (cadence "weekly", for readers who chose one email a week) is never
    reviewed and needs one story. Poll the sources before, as `wants_sources` says."""
    now = now or utcnow()
    built = refreshed = False
    while True:
        edition = slot_edition(newsletter, slot, cadence)
        facts = _facts_of(newsletter, edition, is_due, built, refreshed, cadence)
        action = decide(facts)
        if action is SlotAction.BUILD:
            _build(newsletter, slot, cadence, rates)
            built = refreshed = True
        elif action is SlotAction.REFRESH:
            _refresh(edition, now, rates)
            refreshed = True
        else:
            return _apply(action, edition, facts, slot, review_link, now)


def wants_sources(newsletter: Newsletter, slot: datetime, is_due: bool, cadence: str) -> bool:
    """Whether running the slot now will build or refresh an edition (poll first, then)."""
    facts = _facts_of(newsletter, slot_edition(newsletter, slot, cadence), is_due, cadence=cadence)
    return decide(facts) in (SlotAction.BUILD, SlotAction.REFRESH)


def _facts_of(
    newsletter: Newsletter,
    edition: Edition | None,
    is_due: bool,
    built: bool = False,
    refreshed: bool = False,
    cadence: str = "every",
) -> SlotFacts:
    """The weekly edition is never reviewed and needs one story."""
    is_weekly = cadence != "every"
    return SlotFacts(
        is_due=is_due,
        reviews_first=newsletter.send_mode == "review" and not is_weekly,
        min_stories=1 if is_weekly else newsletter.min_stories,
        status=None if edition is None else edition.status,
        stories=0 if edition is None else edition.story_count,
        is_built_now=built,
        is_refreshed_now=refreshed,
    )


def _apply(
    action: SlotAction,
    edition: Edition,
    facts: SlotFacts,
    slot: datetime,
    review_link: ReviewLink,
    now: datetime,
) -> SlotOutcome:
    if action is SlotAction.APPROVE:
        lifecycle.approve(edition, now)
        return SlotOutcome(f"edition {edition.id} approved at its slot", edition.id)
    if action is SlotAction.CANCEL:
        lifecycle.cancel(edition)
        return SlotOutcome(_cancelled(edition, facts))
    if action is SlotAction.ASK_REVIEW:
        return SlotOutcome(_waiting(edition, facts, slot), None, _reviews(edition, review_link))
    return SlotOutcome(_waiting(edition, facts, slot))


def _cancelled(edition: Edition, facts: SlotFacts) -> str:
    if not facts.stories:
        return f"edition {edition.id}: nothing new, not sent"
    needed = max(facts.min_stories, 1)
    new = counted(facts.stories, "new story")
    return f"edition {edition.id}: {new}, fewer than {needed}: not sent"


def _waiting(edition: Edition, facts: SlotFacts, slot: datetime) -> str:
    if not facts.is_due:
        if facts.is_built_now:
            stories = counted(facts.stories, "story")
            return f"edition {edition.id} built for {slot:%H:%M} UTC with {stories}"
        return f"edition {edition.id} for {slot:%H:%M} UTC is {edition.status.value}"
    if edition.status is S.PAUSED:
        return f"edition {edition.id} is held: {edition.pause_reason}"
    if edition.status is not S.DRAFT:
        return f"edition {edition.id} of this slot is already {edition.status.value}"
    return f"edition {edition.id} waits for an editor's approval"


def _build(newsletter: Newsletter, slot: datetime, cadence: str, rates: RatesOf | None) -> Edition:
    from digest.edition.build import build_edition  # loads the grouping step

    return build_edition(newsletter, slot, cadence, rates=rates)


def _refresh(edition: Edition, now: datetime, rates: RatesOf | None) -> None:
    from digest.edition.build import refill_edition  # loads the grouping step

    refill_edition(edition, now, rates)


def _reviews(edition: Edition, review_link: ReviewLink) -> list[EmailMessage]:
    """A "please review" mail to every active editor and admin."""
    link = review_link(edition.id)
    addresses = db.session.scalars(
        select(User.email).where(User.is_active.is_(True)).order_by(User.id)
    ).all()
    return [review_message(edition, address, link) for address in addresses]


def slot_edition(newsletter: Newsletter, slot: datetime, cadence: str = "every") -> Edition | None:
    """The edition of the slot, if it was built."""
    return db.session.scalars(
        select(Edition).where(
            Edition.newsletter_id == newsletter.id,
            Edition.cadence == cadence,
            Edition.slot == slot,
        )
    ).first()
