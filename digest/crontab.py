"""Five-field crontab lines, read our way: each mistake named in words before APScheduler sees
the line ("minute 61 is out of range: minutes run from 0 to 59", not APScheduler's "Error
validating expression '61'"), and crontab's weekdays (0 and 7 are Sunday) kept as crontab
means them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

from digest.errors import InvalidInput

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
PART = re.compile(r"(\*|\w+)(?:-(\w+))?(?:/(\w+))?")
EXAMPLE = "0 7 * * 1-5"


class BadSchedule(InvalidInput):
    """A crontab line that cannot run; `reason` says why in words a form shows as they are."""

    def __init__(
        self, cron: str, reason: str, field: str = "schedule_cron", what: str = ""
    ) -> None:
        super().__init__(f"{what}bad cron expression {cron!r}: {reason}", field=field)
        self.cron = cron
        self.reason = reason


@dataclass(frozen=True)
class Field:
    one: str  # "minute"
    many: str  # "minutes"
    low: int
    high: int
    names: tuple[str, ...] = ()  # three-letter names standing for low, low + 1, ...
    may_wrap: bool = False  # a range may run over the end ("fri-mon")

    def span(self) -> str:
        names = f" (or {self.names[0]} to {self.names[-1]})" if self.names else ""
        return f"{self.many} run from {self.low} to {self.high}{names}"


FIELDS = (
    Field("minute", "minutes", 0, 59),
    Field("hour", "hours", 0, 23),
    Field("day of the month", "days of the month", 1, 31),
    Field("month", "months", 1, 12, MONTH_NAMES),
    Field("weekday", "weekdays", 0, 7, DAY_NAMES, may_wrap=True),
)
WEEKDAY = FIELDS[4]


def read_crontab(cron: str, zone: tzinfo, field: str = "schedule_cron") -> CronTrigger:
    """The trigger of a five-field crontab line in `zone`, or BadSchedule in words."""
    parts = cron.split()
    if len(parts) != len(FIELDS):
        reason = (
            f"write five parts (minute hour day month weekday), such as {EXAMPLE}, not {len(parts)}"
        )
        raise BadSchedule(cron, reason, field)
    for text, spec in zip(parts, FIELDS, strict=True):
        problem = field_problem(text, spec)
        if problem:
            raise BadSchedule(cron, problem, field)
    minute, hour, day, month, weekday = parts
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=crontab_weekdays(weekday),
            timezone=zone,
        )
    except ValueError:  # a case the words above do not cover: still said in ours
        reason = f"it cannot run; write five parts such as {EXAMPLE}"
        raise BadSchedule(cron, reason, field) from None


def field_problem(text: str, spec: Field) -> str | None:
    """What is wrong with one field of a crontab line, in words; None when it is good."""
    for part in text.lower().split(","):
        found = PART.fullmatch(part)
        if found is None:
            return f"{part!r} is not a {spec.one}: " + _how_to_write(spec)
        first, last, step = found.groups()
        problem = _value_problem(first, spec, star=True) or (
            last and (_value_problem(last, spec) or _range_problem(first, last, spec))
        )
        if problem:
            return problem
        if step is not None and (not step.isdigit() or int(step) == 0):
            return f"the step {step!r} is not a whole number of 1 or more, as in */15"
    return None


def _value_problem(token: str, spec: Field, star: bool = False) -> str | None:
    if token == "*" and star:
        return None
    if token.isdigit():
        if spec.low <= int(token) <= spec.high:
            return None
        return f"{spec.one} {int(token)} is out of range: {spec.span()}"
    if token in spec.names or (spec is WEEKDAY and token[:3] in spec.names):  # "monday" too
        return None
    return f"{token!r} is not a {spec.one}: " + _how_to_write(spec)


def _range_problem(first: str, last: str, spec: Field) -> str | None:
    if first == "*":
        return f"'*-{last}' is not a range: write {spec.low}-{last} or *"
    if spec.may_wrap or _number(first, spec) <= _number(last, spec):
        return None
    high, low = (spec.names[-1], spec.names[0]) if spec.names else (spec.high, spec.low)
    return (
        f"the {spec.one} range {first}-{last} runs backwards: write the smaller first "
        f"(or two ranges, such as {first}-{high},{low}-{last})"
    )


def _number(token: str, spec: Field) -> int:
    return int(token) if token.isdigit() else spec.low + spec.names.index(token[:3])


def _how_to_write(spec: Field) -> str:
    return (
        f"write a number ({spec.span()}), a range such as {spec.low}-{spec.low + 4}, "
        f"a list such as {spec.low},{spec.low + 2} or a step such as */2"
    )


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field (0 and 7 are Sunday) as APScheduler 3's day names.

    APScheduler 3 counts 0 as Monday, so `1-5` would silently run Tuesday to Saturday.
    """
    if field in ("*", "?"):
        return "*"
    days: list[int] = []
    for part in field.lower().split(","):
        found = PART.fullmatch(part)
        reason = field_problem(part, WEEKDAY)
        if found is None or reason:
            raise InvalidInput(f"bad day of week {part!r}: {reason}")
        first, last, step = found.groups()
        start = 0 if first == "*" else _day_number(first)
        end = 6 if first == "*" else _day_number(last) if last else start
        if end < start:
            end += 7  # a range over the weekend, "fri-mon"
        days.extend(d % 7 for d in range(start, end + 1, int(step or 1)))
    return ",".join(DAY_NAMES[d] for d in sorted(set(days)))


def _day_number(token: str) -> int:
    return _number(token, WEEKDAY) % 7
