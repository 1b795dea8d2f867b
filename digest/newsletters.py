"""Newsletter operations shared by every face: get, list, create, update, pause; schedules.

Operations flush and never commit: the request, command or job that called them commits once.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from digest.audience import normalise_email
from digest.errors import AlreadyExists, InvalidInput, NotFound
from digest.extensions import db
from digest.models import Newsletter

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SECTION_LINE = re.compile(r"^\s*([^:]{1,200}?)\s*:\s*(.+?)\s*$")


def check_slug(slug: str) -> str:
    """A slug is 1-64 lower-case letters, digits and hyphens, not starting with a hyphen."""
    if not SLUG.fullmatch(slug or ""):
        raise InvalidInput(
            f"bad newsletter slug {slug!r}: use 1-64 lower-case letters, digits and hyphens"
        )
    return slug


def make_trigger(cron: str, timezone: str) -> CronTrigger:
    """A trigger from a five-field crontab line in an IANA time zone, or InvalidInput."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {timezone!r}") from exc
    try:
        return CronTrigger.from_crontab(cron, timezone=zone)
    except ValueError as exc:
        raise InvalidInput(f"bad cron expression {cron!r}: {exc}") from exc


def check_schedule(cron: str | None, timezone: str) -> None:
    make_trigger(cron or "0 0 * * *", timezone)


def get_newsletter(slug: str) -> Newsletter:
    newsletter = db.session.scalars(select(Newsletter).where(Newsletter.slug == slug)).first()
    if newsletter is None:
        raise NotFound("newsletter", slug)
    return newsletter


def list_newsletters() -> list[Newsletter]:
    return list(db.session.scalars(select(Newsletter).order_by(Newsletter.title)))


def create_newsletter(
    slug: str,
    title: str,
    from_email: str,
    schedule: str | None = None,
    timezone: str = "UTC",
    summary_sentences: int = 2,
    summary_words: int | None = 55,
) -> Newsletter:
    """A new newsletter; the slug, sender, schedule, time zone and summary length are checked."""
    check_slug(slug)
    check_summary_length(summary_sentences, summary_words)
    check_schedule(schedule, timezone)
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise InvalidInput("a newsletter needs a title of 1-200 characters")
    if db.session.scalar(select(Newsletter.id).where(Newsletter.slug == slug)) is not None:
        raise AlreadyExists("newsletter", slug)
    newsletter = Newsletter(
        slug=slug,
        title=title,
        from_email=normalise_email(from_email, allow_local=True),
        schedule_cron=schedule or None,
        timezone=timezone,
        summary_sentences=summary_sentences,
        summary_words=summary_words or None,
    )
    db.session.add(newsletter)
    db.session.flush()
    return newsletter


def check_summary_length(sentences: int, words: int | None) -> None:
    """1 to 3 sentences; a word budget of 10 to 200 words, or none (0 or None)."""
    if not 1 <= sentences <= 3:
        raise InvalidInput(f"a summary has 1 to 3 sentences, not {sentences}")
    if words and not 10 <= words <= 200:
        raise InvalidInput(
            f"a summary's word budget is 10 to 200 words (or 0 for none), not {words}"
        )


def set_summary_length(newsletter: Newsletter, sentences: int, words: int | None) -> None:
    check_summary_length(sentences, words)
    newsletter.summary_sentences, newsletter.summary_words = sentences, words or None
    db.session.flush()


def set_paused(newsletter: Newsletter, is_paused: bool) -> None:
    newsletter.is_paused = is_paused
    db.session.flush()


def set_sections(newsletter: Newsletter, raw: str) -> dict[str, list[str]]:
    """The editor's keyword sections from lines `Name: word, word`; a bad line is an error."""
    newsletter.sections = parse_sections(raw) or None
    db.session.flush()
    return newsletter.sections or {}


def parse_sections(raw: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        found = SECTION_LINE.match(line)
        keywords = [w.strip() for w in found.group(2).split(",") if w.strip()] if found else []
        if not keywords:
            raise InvalidInput(f"write `Section: keyword, keyword`, not {line.strip()!r}", number)
        sections[found.group(1)] = keywords
    return sections


def format_sections(sections: dict[str, list[str]] | None) -> str:
    return "\n".join(f"{name}: {', '.join(words)}" for name, words in (sections or {}).items())
