"""Schedules: a provider's ``schedule`` setting as an APScheduler trigger, checked at load time.

Two forms are accepted (the contract): a five-field cron expression
(``minute hour day-of-month month day-of-week``) and ``@every <N>s|m|h``.

Cron is read as cron reads it, not as APScheduler 3.x's ``CronTrigger.from_crontab`` does:

- day of week ``0`` (and ``7``) is Sunday and ``1`` Monday; APScheduler 3.x counts from
  Monday = 0, so ``0 3 * * 1`` would run on Tuesdays. Weekdays are therefore expanded here
  into names (``sun,mon``...), which APScheduler cannot misread;
- when both day of month and day of week are restricted (neither starts with ``*``), cron
  runs when *either* matches; APScheduler requires both. Such a schedule becomes an
  ``OrTrigger`` of the two.

Building the trigger is also the validation: ``config.load_settings`` calls
``build_trigger`` so that a bad schedule is a configuration error at start, not at the
first run.
"""

from __future__ import annotations

import re
from datetime import UTC, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from catalogsync.durations import UNIT_SECONDS
from catalogsync.errors import ConfigError

EVERY = re.compile(r"^@every\s+(\d+)\s*([smh])$")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering: sun = 0 = 7
_STEP = re.compile(r"^[1-9]\d*$")


def interval_seconds(schedule: str) -> int | None:
    """The period of an ``@every`` schedule in seconds, or ``None`` for a cron expression."""
    match = EVERY.match(schedule.strip())
    if not match:
        return None
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def build_trigger(schedule: str, timezone: tzinfo, jitter: float = 0.0) -> BaseTrigger:
    """The trigger for ``schedule``; ``ValueError`` with a readable reason when it is invalid."""
    text = schedule.strip()
    jitter_arg = jitter or None
    seconds = interval_seconds(text)
    if seconds is not None:
        if seconds <= 0:
            raise ValueError("the interval must be positive")
        return IntervalTrigger(seconds=seconds, timezone=timezone, jitter=jitter_arg)
    fields = text.split()
    if text.startswith("@") or len(fields) != 5:
        raise ValueError("neither a five-field cron expression nor '@every <N>s|m|h'")
    minute, hour, day, month, weekday = fields
    day_of_week = cron_weekdays(weekday)
    common = {"minute": minute, "hour": hour, "month": month, "timezone": timezone}
    if not day.startswith("*") and not weekday.startswith("*"):
        return OrTrigger(
            [
                CronTrigger(day=day, day_of_week="*", **common),
                CronTrigger(day="*", day_of_week=day_of_week, **common),
            ],
            jitter=jitter_arg,
        )
    return CronTrigger(day=day, day_of_week=day_of_week, jitter=jitter_arg, **common)


def cron_weekdays(field: str) -> str:
    """A cron day-of-week field (``1-5``, ``0,6``, ``*/2``, ``mon-fri``) as APScheduler names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        base, slash, step_text = item.partition("/")
        if slash and not _STEP.match(step_text):
            raise ValueError(f"day of week {field!r}: the step must be a positive number")
        step = int(step_text) if slash else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = _weekday(start, field), _weekday(end, field)
            if last == 0 < first:  # fri-sun: Sunday closes the week as 7
                last = 7
            if first > last:
                raise ValueError(f"day of week {field!r}: range {base!r} runs backwards")
        else:
            first = _weekday(base, field)
            last = 6 if slash else first
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def _weekday(text: str, field: str) -> int:
    name = text.strip().lower()
    if name.isdigit() and int(name) <= 7:
        return int(name)
    if name in _WEEKDAYS:
        return _WEEKDAYS.index(name)
    raise ValueError(
        f"day of week {field!r}: {text!r} is neither 0-7 (0 and 7 are Sunday) nor sun..sat"
    )


def validate_schedule(schedule: str, where: str) -> None:
    """Accept five-field cron or ``@every <N>s|m|h``; raise ``ConfigError`` otherwise.

    The schedule is built into the trigger the daemon will use, so every field is checked
    now (``61 * * * *`` fails here, not at the first run).
    """
    try:
        build_trigger(schedule, UTC)
    except ValueError as exc:
        raise ConfigError(f"{where}: schedule {schedule!r} is not valid: {exc}") from None
