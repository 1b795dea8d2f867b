"""Newsletter operations shared by every face: get, list, create, update, pause; schedules.

Operations flush and never commit: the request, command or job that called them commits once.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from digest.audience import normalise_email
from digest.crontab import (  # noqa: F401  (newsletters.crontab_weekdays)
    BadSchedule,
    crontab_weekdays,
    read_crontab,
)
from digest.deliver.readers import forget_readers
from digest.errors import AlreadyExists, DigestError, InvalidInput, InvalidSettings, NotFound
from digest.extensions import db
from digest.models import Edition, Newsletter, utcnow

if TYPE_CHECKING:
    from digest.render import EditionView

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SECTION_LINE = re.compile(r"^\s*([^:]{1,200}?)\s*:\s*(.+?)\s*$")


def check_slug(slug: str) -> str:
    """A slug is 1-64 lower-case letters, digits and hyphens, not starting with a hyphen."""
    if not SLUG.fullmatch(slug or ""):
        tidy = re.sub(r"[^a-z0-9]+", "-", (slug or "").lower()).strip("-")[:64]
        such_as = f", such as {tidy!r}" if tidy else ""
        raise InvalidInput(
            f"bad newsletter slug {slug!r}: use 1-64 lower-case letters, digits and hyphens"
            + such_as,
            field="slug",
        )
    return slug


def check_timezone(timezone: str) -> ZoneInfo:
    """The IANA time zone of this name, or InvalidInput naming `timezone`."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidInput(
            f"unknown time zone {timezone!r}: choose one from the list, such as Europe/London",
            field="timezone",
        ) from exc


def make_trigger(cron: str, timezone: str, field: str = "schedule_cron") -> CronTrigger:
    """A trigger from a five-field crontab line in an IANA time zone, or InvalidInput naming
    `timezone` or `field` (the parameter the cron line came in); see digest/crontab.py."""
    return read_crontab(cron, check_timezone(timezone), field)


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
    "click_window_days": (1, 365),
}
SEND_MODES = ("auto", "review")
PLAIN_FIELDS = (
    "description",
    "orders_by_clicks",
    "postal_address",
    "show_images",
    "is_archived",
    "offers_weekly",
    "tracks_clicks",
    "tracks_readers",
    "tracks_opens",
)


def update_newsletter(newsletter: Newsletter, **changes: Any) -> Newsletter:
    """Change a newsletter's settings; every value is checked before any is stored, and every
    problem is reported at once (InvalidSettings when there are several)."""
    values, problems = checked_settings({**_current(newsletter), **changes}, newsletter)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidSettings(problems)
    kept_readers = newsletter.tracks_readers
    for name, value in values.items():
        setattr(newsletter, name, value)
    db.session.flush()
    if kept_readers and not newsletter.tracks_readers:
        forget_readers(newsletter.id)
    return newsletter


def setting_problems(values: dict[str, Any], newsletter: Newsletter | None = None) -> list:
    """Every problem with these settings (all of them, for a new newsletter), each naming its
    field; empty when they may be stored."""
    current = _current(newsletter) if newsletter is not None else {}
    return checked_settings({**current, **values}, newsletter)[1]


def checked_settings(
    values: dict[str, Any], newsletter: Newsletter | None
) -> tuple[dict[str, Any], list[DigestError]]:
    """The settings cleaned, and the problems of every check that failed."""
    cleaned, problems = dict(values), []
    for name, clean in SETTING_CHECKS:
        try:
            cleaned[name] = clean(values, newsletter)
        except DigestError as exc:
            problems.append(exc)
    limits_are_good = not any(p.field in ("min_stories", "max_stories") for p in problems)
    if limits_are_good and values["min_stories"] > values["max_stories"]:
        text = "the minimum number of stories is above the maximum"
        problems.append(InvalidInput(text, field="min_stories"))
    for name in ("description", "postal_address", "from_name"):
        cleaned[name] = (values.get(name) or "").strip() or None
    cleaned["topic_choices"] = _clean_topics(values.get("topic_choices"))
    cleaned["summary_words"] = values.get("summary_words") or None
    return cleaned, problems


def _free_slug(values: dict[str, Any], newsletter: Newsletter | None) -> str:
    slug = check_slug(values["slug"])
    if (newsletter is None or slug != newsletter.slug) and _slug_taken(slug):
        raise AlreadyExists("newsletter", slug, field="slug")
    return slug


def _schedule(values: dict[str, Any], _newsletter: object = None) -> str | None:
    """The cron line with its spaces tidied, checked (whatever the time zone: it has its own
    check); None when the newsletter is sent by hand."""
    cron = " ".join((values.get("schedule_cron") or "").split()) or None
    if cron:
        read_crontab(cron, UTC)
    return cron


def _limit(name: str):
    def check(values: dict[str, Any], _newsletter: object = None) -> int:
        low, high = LIMITS[name]
        if not isinstance(values[name], int) or not low <= values[name] <= high:
            words = name.replace("_", " ")
            raise InvalidInput(f"{words} must be a whole number from {low} to {high}", field=name)
        return values[name]

    return check


def _send_mode(values: dict[str, Any], _newsletter: object = None) -> str:
    if values["send_mode"] not in SEND_MODES:
        raise InvalidInput(
            f"send mode is 'auto' or 'review', not {values['send_mode']!r}", field="send_mode"
        )
    return values["send_mode"]


def _summary_sentences(values: dict[str, Any], _newsletter: object = None) -> int:
    check_summary_length(values["summary_sentences"], None)
    return values["summary_sentences"]


def _summary_words(values: dict[str, Any], _newsletter: object = None) -> int | None:
    check_summary_length(1, values["summary_words"])
    return values["summary_words"]


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


def _sender(raw: str) -> str:
    return normalise_email(raw, allow_local=True, field="from_email")


def _reply_to(raw: str | None) -> str | None:
    """The reply-to address, checked; None when there is none."""
    address = (raw or "").strip()
    return normalise_email(address, allow_local=True, field="reply_to") if address else None


def _weekly_schedule(values: dict[str, Any], _newsletter: object = None) -> str | None:
    """The weekly edition's cron line, checked; offering a weekly edition needs one."""
    cron = " ".join((values.get("weekly_cron") or "").split()) or None
    if values["offers_weekly"] and cron is None:
        raise InvalidInput(
            "weekly schedule: a weekly edition needs a cron line, e.g. 0 8 * * 0",
            field="weekly_cron",
        )
    try:
        _schedule({"schedule_cron": cron})
    except BadSchedule as exc:
        raise BadSchedule(exc.cron, exc.reason, "weekly_cron", "weekly schedule: ") from None
    return cron


def _slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Newsletter.id).where(Newsletter.slug == slug)) is not None


def _clean_title(raw: str | None) -> str:
    title = " ".join((raw or "").split())
    if not title or len(title) > 200:
        raise InvalidInput("a newsletter needs a title of 1-200 characters", field="title")
    return title


SETTING_CHECKS = (  # (setting, its check: the clean value or a DigestError naming the field)
    ("slug", _free_slug),
    ("title", lambda values, _: _clean_title(values["title"])),
    (
        "from_email",
        lambda values, _: normalise_email(
            values["from_email"], allow_local=True, field="from_email"
        ),
    ),
    ("reply_to", lambda values, _: _reply_to(values.get("reply_to"))),
    ("timezone", lambda values, _: check_timezone(values["timezone"]).key),
    ("schedule_cron", _schedule),
    ("weekly_cron", _weekly_schedule),
    ("summary_sentences", _summary_sentences),
    ("summary_words", _summary_words),
    *((name, _limit(name)) for name in LIMITS),
    ("send_mode", _send_mode),
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
