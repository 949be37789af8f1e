"""Durations as people write them (``90s``, ``2h``, ``1h30m``) and as they are shown (``2h 5m``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
"""Seconds per unit letter, for every duration a user writes (``--max-age``, ``@every``)."""

_DURATION = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1d``, ``1w`` or combinations (``1h30m``) as a ``timedelta``."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or _DURATION.sub("", compact).strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h, 1d)")
    seconds = sum(int(amount) * UNIT_SECONDS[unit] for amount, unit in parts)
    if seconds <= 0:
        raise ValueError(f"not a positive duration: {text!r}")
    return timedelta(seconds=seconds)


def is_relative(text: str) -> bool:
    """Whether ``text`` reads as a time ago (``30d``, ``12w``, ``36h``) rather than a date."""
    compact = text.strip().lower()
    return compact[:1].isdigit() and compact[-1:] in UNIT_SECONDS


def time_ago(text: str, now: datetime) -> datetime:
    """``now`` minus a duration as people write it: ``30d``, ``12w``, ``36h``, ``1h30m``."""
    return now - parse_duration(text)


def format_age(age: timedelta | None) -> str:
    """``42s``, ``3m 12s``, ``2h 5m``, ``4d 2h``; ``-`` for none."""
    if age is None:
        return "-"
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
