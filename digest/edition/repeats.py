"""No story twice: a new story whose event an earlier edition already sent is left out, or,
when it adds new facts, goes out once more labelled "Update" (digest/group/repeats.py judges).

Earlier editions are those of the same newsletter and cadence that were released within
REPEAT_WINDOW before this one's slot; what they sent are their items the editor did not
leave out. The editor may include a left-out repeat or leave out an update (set_flags);
either way, a repeat that goes out is labelled "Update", never shown as new.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from digest.extensions import db
from digest.models import Article, Edition, EditionItem

if TYPE_CHECKING:
    from digest.group.repeats import Repeat, SentStory

REPEAT_WINDOW = timedelta(days=30)


def sent_stories(edition: Edition) -> list[SentStory]:
    """What the newsletter's earlier released editions of this cadence sent, in the window."""
    from digest.group.repeats import SentStory

    rows = db.session.execute(
        select(Article.title, Article.text, Edition.id, EditionItem.is_update)
        .join(EditionItem, EditionItem.article_id == Article.id)
        .join(Edition, Edition.id == EditionItem.edition_id)
        .where(
            Edition.newsletter_id == edition.newsletter_id,
            Edition.cadence == edition.cadence,
            Edition.id != edition.id,
            Edition.released_at.is_not(None),
            Edition.slot >= edition.slot - REPEAT_WINDOW,
            EditionItem.is_excluded.is_(False),
        )
        .order_by(Edition.id, EditionItem.position)
    )
    return [
        SentStory(title, text or "", edition_id, was_update)
        for title, text, edition_id, was_update in rows
    ]


def find_sent(edition: Edition, stories: list[list[Article]]) -> list[Repeat | None]:
    """For each new story (its articles, the representative first): its Repeat, if it has one."""
    if not stories:
        return []
    sent = sent_stories(edition)
    if not sent:
        return [None] * len(stories)
    from digest.group.repeats import find_repeats

    return find_repeats([{"title": s[0].title, "text": s[0].text} for s in stories], sent)


def mark_repeat(items: list[EditionItem], repeat: Repeat | None) -> None:
    """Label a new story's items: a plain repeat is left out, an update goes out labelled."""
    if repeat is None:
        return
    for item in items:
        item.repeat_of = repeat.edition_id
        item.is_update = repeat.is_update
        item.is_excluded = not repeat.is_update
