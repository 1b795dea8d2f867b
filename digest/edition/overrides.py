"""The editor's changes to a draft: texts, pins and exclusions, order, sections, story texts.

Every operation refuses anything but a draft (lifecycle.ensure_editable), flushes and
leaves the commit to the caller. Order is kept in EditionItem.position: readers see
sections in the order of their first story, pinned stories first, then by position.
A story moves with the other reports of it ("also covered by").
"""

from __future__ import annotations

import enum

from digest.edition.lifecycle import ensure_editable
from digest.edition.snapshot import ordered_sections
from digest.errors import InvalidInput, NotFound
from digest.extensions import db
from digest.models import Edition, EditionItem

LIMITS = {"subject": 300, "preheader": 300, "intro": 5000, "headline": 500, "summary": 2000}
SECTION_NAME_LIMIT = 200


def apply_overrides(
    edition: Edition,
    subject: str | None,
    intro: str | None,
    pinned: set[int],
    excluded: set[int],
) -> None:
    """Set the subject (kept when blank), the intro, and which items are pinned or excluded."""
    set_texts(edition, subject, edition.preheader, intro)
    for item in edition.items:
        item.is_excluded = item.id in excluded
        item.is_pinned = item.id in pinned
    db.session.flush()


def set_texts(
    edition: Edition, subject: str | None, preheader: str | None, intro: str | None
) -> None:
    """Subject (kept when blank), preheader and intro (paragraphs split by blank lines)."""
    ensure_editable(edition)
    subject = _one_line(subject, "subject")
    edition.subject = subject or edition.subject
    edition.preheader = _one_line(preheader, "preheader") or None
    edition.intro = _checked((intro or "").strip(), "intro") or None
    db.session.flush()


SUBJECT_TEST_SHARE = (5, 50)  # percent of the list that gets the test first
SUBJECT_TEST_MINUTES = (15, 24 * 60)


def set_subject_test(
    edition: Edition, other_lines: list[str], share: int = 20, minutes: int = 60
) -> None:
    """Lines to try against the subject (one to three; none: no test), the share of readers
    who get the test first, and how long it runs before the winner goes to the rest."""
    ensure_editable(edition)
    lines = [_one_line(line, "subject") for line in other_lines]
    lines = [line for line in lines if line]
    if len(lines) > 3:
        raise InvalidInput("a subject test tries at most 3 lines beside the subject")
    seen = {edition.subject.casefold()}
    for line in lines:
        if line.casefold() in seen:
            raise InvalidInput(f"“{line}” is already one of the lines: each line must differ")
        seen.add(line.casefold())
    low, high = SUBJECT_TEST_SHARE
    if not low <= share <= high:
        raise InvalidInput(f"the test goes first to {low} to {high} percent of readers")
    low, high = SUBJECT_TEST_MINUTES
    if not low <= minutes <= high:
        raise InvalidInput(f"a subject test runs {low} to {high} minutes")
    edition.other_subjects = lines or None
    edition.test_share, edition.test_minutes = share, minutes
    db.session.flush()


def get_item(edition: Edition, item_id: int) -> EditionItem:
    for item in edition.items:
        if item.id == item_id:
            return item
    raise NotFound("edition item", item_id)


def set_flags(item: EditionItem, pinned: bool | None = None, excluded: bool | None = None) -> None:
    """Pin or unpin, exclude or include a story (None leaves that flag alone)."""
    ensure_editable(item.edition)
    for member in _members(item):
        if pinned is not None:
            member.is_pinned = pinned
        if excluded is not None:
            member.is_excluded = excluded
    db.session.flush()


def edit_story(item: EditionItem, headline: str | None, summary: str | None) -> None:
    """The editor's headline and summary; a blank one (or the original text) restores it."""
    ensure_editable(item.edition)
    headline = _one_line(headline, "headline")
    summary = _checked(" ".join((summary or "").split()), "summary")
    item.headline_override = headline if headline and headline != item.article.title else None
    built = " ".join(item.summary)
    item.summary_override = summary if summary and summary != built else None
    db.session.flush()


def restore_story(item: EditionItem) -> None:
    """Back to the article's own headline and the built summary."""
    edit_story(item, None, None)


class Stuck(enum.Enum):
    """Why an Up or Down moved nothing."""

    FIRST = "first"  # already first in its section
    LAST = "last"  # already last in its section
    UNDER_PINNED = "under pinned"  # the highest story that is not pinned: pins stay above it
    OVER_UNPINNED = "over unpinned"  # the lowest pinned story: the others stay below it


def move_story(item: EditionItem, steps: int) -> Stuck | None:
    """Move a story up (-1) or down (+1) among the stories of its section: pinned stories among
    the pinned (they lead), the others among the others. None when it moved, else why not."""
    edition = item.edition
    ensure_editable(edition)
    lead = _lead(item)
    order = dict(ordered_sections(edition))
    stories = order[lead.section]
    index = stories.index(lead)
    alike = [at for at, story in enumerate(stories) if story.is_pinned == lead.is_pinned]
    target = min(max(index + steps, alike[0]), alike[-1])
    if target == index:
        return _stuck(stories, index, steps)
    stories.insert(target, stories.pop(index))
    renumber(edition, order)
    return None


def _stuck(stories: list[EditionItem], index: int, steps: int) -> Stuck:
    if steps < 0:
        return Stuck.FIRST if index == 0 else Stuck.UNDER_PINNED
    return Stuck.LAST if index == len(stories) - 1 else Stuck.OVER_UNPINNED


def order_section(edition: Edition, section: str, item_ids: list[int]) -> None:
    """Put a section's stories in the order given (a drag and drop); every story must be named."""
    ensure_editable(edition)
    order = dict(ordered_sections(edition))
    stories = order.get(section)
    if stories is None:
        raise NotFound("section", section)
    by_id = {story.id: story for story in stories}
    if sorted(item_ids) != sorted(by_id):
        raise InvalidInput(f"the new order must name each story of {section} once")
    order[section] = [by_id[i] for i in item_ids]
    renumber(edition, order)


def move_to_section(item: EditionItem, section: str) -> None:
    """File a story under another section (a new name makes a new section, shown last)."""
    edition = item.edition
    ensure_editable(edition)
    name = check_section_name(section)
    lead = _lead(item)
    order = dict(ordered_sections(edition))
    order[lead.section].remove(lead)
    for member in _members(lead):
        member.section = name
    order.setdefault(name, []).append(lead)
    renumber(edition, order)


def rename_section(edition: Edition, old: str, new: str) -> None:
    """Rename a section; a rebuild files new stories of the built section under the new name."""
    ensure_editable(edition)
    name = check_section_name(new)
    items = [item for item in edition.items if item.section == old]
    if not items:
        raise NotFound("section", old)
    for item in items:
        item.section = name
    renames = dict(edition.section_renames or {})
    built = [key for key, shown in renames.items() if shown == old] or [old]
    for key in built:
        renames[key] = name
    edition.section_renames = {key: shown for key, shown in renames.items() if key != shown}
    db.session.flush()


def check_section_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("a section needs a name")
    if len(name) > SECTION_NAME_LIMIT:
        raise InvalidInput(f"a section name has at most {SECTION_NAME_LIMIT} characters")
    return name


def renumber(edition: Edition, order: dict[str, list[EditionItem]]) -> None:
    """Positions in the given order of sections and stories, each story's other reports after it."""
    followers: dict[int, list[EditionItem]] = {}
    for item in edition.items:
        if not item.is_representative:
            followers.setdefault(item.story_key, []).append(item)
    position = 0
    for stories in order.values():
        for lead in stories:
            for member in [lead, *followers.get(lead.story_key, [])]:
                member.position = position
                position += 1
    db.session.flush()


def _lead(item: EditionItem) -> EditionItem:
    """The story's representative: the item readers see."""
    if item.is_representative:
        return item
    for other in item.edition.items:
        if other.story_key == item.story_key and other.is_representative:
            return other
    return item


def _members(item: EditionItem) -> list[EditionItem]:
    lead = _lead(item)
    return [lead] + [
        other
        for other in lead.edition.items
        if other.story_key == lead.story_key and not other.is_representative
    ]


def _one_line(value: str | None, name: str) -> str:
    return _checked(" ".join((value or "").split()), name)


def _checked(value: str, name: str) -> str:
    if len(value) > LIMITS[name]:
        raise InvalidInput(f"the {name} has at most {LIMITS[name]} characters")
    return value
