"""Newsletter operations shared by every face: get, list, create, update, pause; schedules.

Operations flush and never commit: the request, command or job that called them commits once.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from digest.audience import normalise_email
from digest.errors import AlreadyExists, InvalidInput, NotFound
from digest.extensions import db
from digest.models import Edition, Newsletter, utcnow

if TYPE_CHECKING:
    from digest.render import EditionView

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SECTION_LINE = re.compile(r"^\s*([^:]{1,200}?)\s*:\s*(.+?)\s*$")


def check_slug(slug: str) -> str:
    """A slug is 1-64 lower-case letters, digits and hyphens, not starting with a hyphen."""
    if not SLUG.fullmatch(slug or ""):
        raise InvalidInput(
            f"bad newsletter slug {slug!r}: use 1-64 lower-case letters, digits and hyphens",
            field="slug",
        )
    return slug


def make_trigger(cron: str, timezone: str, field: str = "schedule_cron") -> CronTrigger:
    """A trigger from a five-field crontab line in an IANA time zone, or InvalidInput naming
    `timezone` or `field` (the parameter the cron line came in)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {timezone!r}", field="timezone") from exc
    try:
        return _cron_trigger(cron, zone)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field) from None


def _cron_trigger(cron: str, zone: ZoneInfo) -> CronTrigger:
    fields = cron.split()
    if len(fields) != 5:
        raise InvalidInput(f"bad cron expression {cron!r}: write five fields (m h dom mon dow)")
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_weekdays(weekday),
            timezone=zone,
        )
    except ValueError as exc:
        raise InvalidInput(f"bad cron expression {cron!r}: {exc}") from exc


DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
WEEKDAY_PART = re.compile(r"(\*|\w+)(?:-(\w+))?(?:/(\d+))?")


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field (0 and 7 are Sunday) as APScheduler 3's day names.

    APScheduler 3 counts 0 as Monday, so `1-5` would silently run Tuesday to Saturday.
    """
    if field in ("*", "?"):
        return "*"
    days: list[int] = []
    for part in field.lower().split(","):
        found = WEEKDAY_PART.fullmatch(part)
        if found is None:
            raise InvalidInput(f"bad day of week {part!r}")
        first, last, step = found.groups()
        start = 0 if first == "*" else _day_number(first)
        end = 6 if first == "*" else _day_number(last) if last else start
        if end < start:
            end += 7  # a range over the weekend, "fri-mon"
        days.extend(d % 7 for d in range(start, end + 1, int(step or 1)))
    return ",".join(DAY_NAMES[d] for d in sorted(set(days)))


def _day_number(token: str) -> int:
    if token[:3] in DAY_NAMES:
        return DAY_NAMES.index(token[:3])
    if token.isdigit() and int(token) <= 7:
        return int(token) % 7
    raise InvalidInput(f"bad day of week {token!r}: use 0-7 (0 and 7 are Sunday) or sun-sat")


def check_schedule(cron: str | None, timezone: str, field: str = "schedule_cron") -> None:
    make_trigger(cron or "0 0 * * *", timezone, field)


def describe_schedule(cron: str | None, timezone: str = "UTC") -> str:
    """A schedule in words ("At 07:00, only on Monday (Europe/London)"), for people."""
    if not cron:
        return "Sent by hand"
    from cron_descriptor import Options, get_description  # loaded on first use

    options = Options()
    options.use_24hour_time_format = True
    try:
        words = get_description(cron, options)
    except Exception:  # noqa: BLE001  (a stored line it cannot word is shown as it is)
        words = cron
    return f"{words} ({timezone})"


def next_runs(
    cron: str | None, timezone: str, count: int = 3, after: datetime | None = None
) -> list[datetime]:
    """The next `count` run times of a schedule, in its own time zone (none when unscheduled)."""
    if not cron:
        return []
    trigger = make_trigger(cron, timezone)
    runs: list[datetime] = []
    previous, now = None, after or utcnow()
    while len(runs) < count:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        runs.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return runs


def get_newsletter(slug: str) -> Newsletter:
    newsletter = db.session.scalars(select(Newsletter).where(Newsletter.slug == slug)).first()
    if newsletter is None:
        raise NotFound("newsletter", slug)
    return newsletter


def list_newsletters() -> list[Newsletter]:
    return list(db.session.scalars(select(Newsletter).order_by(Newsletter.title)))


def sender_addresses() -> list[str]:
    """Every address a newsletter sends from, once."""
    return list(db.session.scalars(select(Newsletter.from_email).distinct()))


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
    check_schedule(schedule, timezone, field="schedule")
    title = _clean_title(title)
    if _slug_taken(slug):
        raise AlreadyExists("newsletter", slug, field="slug")
    newsletter = Newsletter(
        slug=slug,
        title=title,
        from_email=normalise_email(from_email, allow_local=True, field="from_email"),
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
        raise InvalidInput(
            f"a summary has 1 to 3 sentences, not {sentences}", field="summary_sentences"
        )
    if words and not 10 <= words <= 200:
        raise InvalidInput(
            f"a summary's word budget is 10 to 200 words (or 0 for none), not {words}",
            field="summary_words",
        )


def set_summary_length(
    newsletter: Newsletter, summary_sentences: int, summary_words: int | None
) -> None:
    check_summary_length(summary_sentences, summary_words)
    newsletter.summary_sentences = summary_sentences
    newsletter.summary_words = summary_words or None
    db.session.flush()


def set_paused(newsletter: Newsletter, is_paused: bool) -> None:
    newsletter.is_paused = is_paused
    db.session.flush()


def set_sections(newsletter: Newsletter, sections: str) -> dict[str, list[str]]:
    """The editor's keyword sections from lines `Name: word, word`; a bad line is an error."""
    newsletter.sections = parse_sections(sections) or None
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
            raise InvalidInput(
                f"write `Section: keyword, keyword`, not {line.strip()!r}", number, field="sections"
            )
        sections[found.group(1)] = keywords
    return sections


def format_sections(sections: dict[str, list[str]] | None) -> str:
    return "\n".join(f"{name}: {', '.join(words)}" for name, words in (sections or {}).items())


# What update_newsletter may change, each with its check (None: no check beyond the type).
LIMITS = {
    "lookback_days": (1, 90),
    "min_stories": (0, 100),
    "max_stories": (1, 200),
    "review_minutes": (0, 7 * 24 * 60),
}
SEND_MODES = ("auto", "review")
PLAIN_FIELDS = ("description", "postal_address", "show_images", "is_archived", "offers_weekly")


def update_newsletter(newsletter: Newsletter, **changes: Any) -> Newsletter:
    """Change a newsletter's settings; every value is checked before any is stored."""
    values = {**_current(newsletter), **changes}
    check_slug(values["slug"])
    if values["slug"] != newsletter.slug and _slug_taken(values["slug"]):
        raise AlreadyExists("newsletter", values["slug"], field="slug")
    values["title"] = _clean_title(values["title"])
    values["from_email"] = normalise_email(
        values["from_email"], allow_local=True, field="from_email"
    )
    values["reply_to"] = _reply_to(values.get("reply_to"))
    values["schedule_cron"] = " ".join((values.get("schedule_cron") or "").split()) or None
    check_schedule(values["schedule_cron"], values["timezone"])
    values["weekly_cron"] = _weekly_schedule(values)
    check_summary_length(values["summary_sentences"], values["summary_words"])
    _check_limits(values)
    for name in ("description", "postal_address", "from_name"):
        values[name] = (values.get(name) or "").strip() or None
    values["topic_choices"] = _clean_topics(values.get("topic_choices"))
    values["summary_words"] = values["summary_words"] or None
    for name, value in values.items():
        setattr(newsletter, name, value)
    db.session.flush()
    return newsletter


EDITABLE = (
    "slug",
    "title",
    "from_email",
    "from_name",
    "reply_to",
    "schedule_cron",
    "timezone",
    "summary_sentences",
    "summary_words",
    "send_mode",
    "topic_choices",
    "weekly_cron",
    *LIMITS,
    *PLAIN_FIELDS,
)


def _current(newsletter: Newsletter) -> dict[str, Any]:
    return {name: getattr(newsletter, name) for name in EDITABLE}


def _reply_to(raw: str | None) -> str | None:
    """The reply-to address, checked; None when there is none."""
    address = (raw or "").strip()
    return normalise_email(address, allow_local=True, field="reply_to") if address else None


def _weekly_schedule(values: dict[str, Any]) -> str | None:
    """The weekly edition's cron line, checked; offering a weekly edition needs one."""
    cron = " ".join((values.get("weekly_cron") or "").split()) or None
    if values["offers_weekly"] and cron is None:
        raise InvalidInput(
            "weekly schedule: a weekly edition needs a cron line, e.g. 0 8 * * 0",
            field="weekly_cron",
        )
    try:
        check_schedule(cron, values["timezone"], field="weekly_cron")
    except InvalidInput as exc:
        raise InvalidInput(f"weekly schedule: {exc.message}", field=exc.field) from None
    return cron


def _slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Newsletter.id).where(Newsletter.slug == slug)) is not None


def _clean_title(raw: str | None) -> str:
    title = " ".join((raw or "").split())
    if not title or len(title) > 200:
        raise InvalidInput("a newsletter needs a title of 1-200 characters", field="title")
    return title


def _check_limits(values: dict[str, Any]) -> None:
    for name, (low, high) in LIMITS.items():
        if not isinstance(values[name], int) or not low <= values[name] <= high:
            words = name.replace("_", " ")
            raise InvalidInput(f"{words} must be a whole number from {low} to {high}", field=name)
    if values["min_stories"] > values["max_stories"]:
        raise InvalidInput(
            "the minimum number of stories is above the maximum", field="min_stories"
        )
    if values["send_mode"] not in SEND_MODES:
        raise InvalidInput(
            f"send mode is 'auto' or 'review', not {values['send_mode']!r}", field="send_mode"
        )


def _clean_topics(raw: list[str] | str | None) -> list[str] | None:
    """Topics offered to subscribers, one per line or comma; none means every section."""
    parts = raw.replace(",", "\n").splitlines() if isinstance(raw, str) else raw or []
    topics = list(dict.fromkeys(" ".join(p.split())[:80] for p in parts if p.strip()))
    return topics or None


def set_archived(newsletter: Newsletter, is_archived: bool) -> None:
    """An archived newsletter is paused and hidden from visitors; it can be brought back."""
    newsletter.is_archived = is_archived
    newsletter.is_paused = newsletter.is_paused or is_archived
    db.session.flush()


RECENT_EDITIONS = 5  # sent editions looked at for offered topics that pick no story


def topics_without_stories(newsletter: Newsletter, editions: int = RECENT_EDITIONS) -> list[str]:
    """The offered topics that picked no story in the newsletter's last sent editions, by
    today's topic rules (none when nothing was sent yet)."""
    from digest.audience.topics import newsletter_topics
    from digest.render import topics_without_stories as unpicked_topics

    views = _recent_views(newsletter, editions)
    if not views:
        return []
    return unpicked_topics(views, newsletter_topics(newsletter), newsletter.sections or {})


def _recent_views(newsletter: Newsletter, editions: int) -> list[EditionView]:
    from digest.render import SnapshotError, parse_snapshot

    snapshots = db.session.scalars(
        select(Edition.snapshot)
        .where(Edition.newsletter_id == newsletter.id, Edition.released_at.is_not(None))
        .order_by(Edition.released_at.desc())
        .limit(editions)
    )
    views = []
    for snapshot in snapshots:
        with contextlib.suppress(SnapshotError):
            views.append(parse_snapshot(snapshot or {}))
    return views
