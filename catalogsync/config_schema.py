"""The configuration file's schema: every section and key, its type and range, in one table.

``SECTIONS`` declares the file. A section is a table of keys (``[http]``) or, with
``named=True``, a table of named tables (``[providers.NAME]``); ``open=True`` lets more
keys in, declared elsewhere (an adapter's own options, ``config_options`` on its class).
Adding a section is one entry here: its keys and their checks (``[notify]`` below has
plain keys, ``plain``, beside its named channel tables).

``check_document`` reads a parsed TOML document against the table and returns every
problem, each naming the file, the section and the key
(``catalogsync.toml: [providers.akool] schedual: unknown key (did you mean "schedule"?)``);
``config.load_settings`` raises them all as one ``InvalidConfigError`` before it reads
any value, so every command refuses a file the same way ``catalogsync config check`` does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from catalogsync.instances import api_key_env
from catalogsync.schedules import build_trigger, interval_seconds


@dataclass(frozen=True)
class Context:
    """What a check may need beyond the value: where relative paths start, and the
    name of the table (``akool`` in ``[providers.akool]``; empty in a plain section)."""

    base_dir: Path
    name: str = ""


Check = Callable[[Any, Context], str | None]
"""A key's check: ``None`` when the value is good, else what is wrong ("must be ...")."""


@dataclass(frozen=True)
class Section:
    """One section of the file: its keys (and their checks), and how it nests."""

    keys: Mapping[str, Check]
    named: bool = False  # [section.NAME] tables, each with ``keys``
    open: bool = False  # other keys are allowed (declared by whoever reads them)
    plain: Mapping[str, Check] = field(default_factory=dict)  # keys beside the named tables
    checks: tuple[Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]], ...] = field(
        default_factory=tuple
    )  # checks across keys: (key, problem) pairs


def number(low: float | None = None, high: float | None = None, *, above: bool = False) -> Check:
    """A finite number, at least ``low`` (above it with ``above``) and at most ``high``."""

    def check(value: Any, _: Context) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if not math.isfinite(value):
            return "must be a finite number"
        if low is not None and high is not None and not low <= value <= high:
            return f"must be between {low:g} and {high:g}"
        if low is not None and (value <= low if above else value < low):
            return f"must be above {low:g}" if above else f"must be at least {low:g}"
        return None

    return check


def whole(low: int, high: int | None = None, what: str = "a whole number") -> Check:
    """An integer from ``low`` (to ``high``)."""
    bounds = f" >= {low}" if high is None else f" ({low}-{high})"

    def check(value: Any, _: Context) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be {what}{bounds}"
        if value < low or (high is not None and value > high):
            return f"must be {what}{bounds}"
        return None

    return check


def boolean(value: Any, _: Context) -> str | None:
    """``true`` or ``false``."""
    return None if isinstance(value, bool) else "must be true or false"


def text(value: Any, _: Context) -> str | None:
    """A non-empty string."""
    if not isinstance(value, str):
        return "must be a string"
    return None if value else "must not be empty"


def choice(*allowed: str) -> Check:
    """One of ``allowed``."""
    names = ", ".join(f'"{name}"' for name in allowed)

    def check(value: Any, _: Context) -> str | None:
        return None if value in allowed else f"must be one of {names}"

    return check


def strings(value: Any, _: Context) -> str | None:
    """A list of non-empty strings (``providers = ["akool", "auriko"]``)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return "must be a list of strings"
    return None


def url(value: Any, _: Context) -> str | None:
    """An http(s) URL of printable ASCII (the URL is never repeated: it may hold a password)."""
    if not isinstance(value, str) or not re.match(r"^https?://[^/?#]", value):
        return "must be an http(s) URL"
    if not (value.isascii() and value.isprintable()) or re.search(r"\s", value):
        return (
            "holds white space, a control character or non-ASCII text (percent-encode it); "
            "the URL is not shown"
        )
    return None


def readable_file(value: Any, context: Context) -> str | None:
    """A path (relative to the configuration file's folder) to a file that can be read."""
    if not isinstance(value, str) or not value:
        return "must be a path"
    path = context.base_dir / Path(value).expanduser()
    try:
        with path.open("rb"):
            return None
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror}"


def schedule(value: Any, _: Context) -> str | None:
    """Five-field cron or ``@every <N>s|m|h``, built into the daemon's trigger to check it."""
    if not isinstance(value, str):
        return "must be a string (five-field cron or '@every <N>s|m|h')"
    try:
        build_trigger(value, UTC)
    except ValueError as exc:
        return f"{value!r} is not valid: {exc}"
    return None


def timezone(value: Any, _: Context) -> str | None:
    """An IANA time zone name."""
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        if value != "UTC":  # UTC needs no time zone database (slim images may lack one)
            ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        return f"{value!r} is not a time zone name (e.g. 'UTC', 'Europe/Berlin')"
    return None


def no_api_key(_value: Any, context: Context) -> str:
    """Keys never belong in the file: it is meant to be committed and shared."""
    return (
        f"does not belong in the configuration file; set {api_key_env(context.name)} "
        "or name a file with api_key_file"
    )


def _from_elsewhere(context: Context, what: str, file_key: str) -> str:
    """A channel's URL or secret written in the file: say where it goes instead."""
    variable = f"CATALOGSYNC_NOTIFY_{context.name.upper().replace('-', '_')}_{what}"
    return f"not read from the file (a credential): set {variable} or {file_key}"


def _jitter_within_interval(section: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    every = section.get("schedule")
    jitter = section.get("jitter_seconds")
    period = interval_seconds(every) if isinstance(every, str) else None
    if period is not None and isinstance(jitter, int | float) and jitter >= period:
        yield "jitter_seconds", "must be shorter than the schedule's interval"


HTTP_KEYS: dict[str, Check] = {
    "timeout_seconds": number(0, above=True),
    "deadline_seconds": number(0, above=True),
    "max_attempts": whole(1),
    "max_response_bytes": whole(1),
    "max_retry_after_seconds": number(0),
}

PROVIDER_KEYS: dict[str, Check] = {
    "adapter": text,
    "enabled": boolean,
    "base_url": url,
    "api_key_file": readable_file,
    "schedule": schedule,
    "jitter_seconds": number(0),
    **HTTP_KEYS,
    "api_key": no_api_key,
}

SECTIONS: dict[str, Section] = {
    "database": Section({"url": text}),
    "sync": Section({"max_removal_fraction": number(0, 1)}),
    "http": Section(HTTP_KEYS),
    "daemon": Section(
        {
            "run_at_start": boolean,
            "metrics_port": whole(0, 65535, "a port number"),
            "metrics_host": text,
            "stop_timeout_seconds": number(0, above=True),
            "timezone": timezone,
        }
    ),
    "providers": Section(PROVIDER_KEYS, named=True, open=True, checks=(_jitter_within_interval,)),
    "notify": Section(
        {
            "kind": choice("webhook", "slack"),
            "providers": strings,
            "events": strings,
            "models": strings,
            "min_pct": number(0),
            "url_file": readable_file,
            "secret_file": readable_file,
            "max_attempts": whole(1),
            "first_version": boolean,
            "timeout_seconds": number(0, above=True),
            "url": lambda _v, c: _from_elsewhere(c, "URL", "url_file"),
            "secret": lambda _v, c: _from_elsewhere(c, "SECRET", "secret_file"),
        },
        named=True,  # [notify.NAME]: a channel
        plain={
            "max_attempts": whole(1),
            "backoff_seconds": number(0),
            "max_backoff_seconds": number(0),
            "interval_seconds": number(0, above=True),
            "first_version": boolean,
            "timeout_seconds": number(0, above=True),
        },
    ),
}
"""The whole file: section name -> declaration."""


def suggestion(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean "X"?)`` for the closest candidate, or nothing."""
    close = get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def check_document(
    data: Mapping[str, Any],
    source: str,
    base_dir: Path,
    extra_keys: Callable[[str, str, Mapping[str, Any]], frozenset[str] | None] | None = None,
) -> list[str]:
    """Every problem of ``data`` (a parsed file named ``source``), each on one line.

    ``extra_keys(section, name, table)`` gives the further keys an open section's table
    may hold (an adapter's options for ``[providers.NAME]``), or ``None`` when they are
    not known here (the adapter then checks its own options when it is built).
    """
    context = Context(base_dir)
    problems: list[str] = []
    for name, value in data.items():
        section = SECTIONS.get(name)
        if section is None:
            what = "unknown section" if isinstance(value, Mapping) else "unknown key"
            problems.append(f"{source}: {name}: {what}{suggestion(name, SECTIONS)}")
        elif not isinstance(value, Mapping):
            problems.append(f"{source}: [{name}]: must be a table")
        elif not section.named:
            problems += _check_table(section, value, f"[{name}]", source, context, None)
        else:
            for item, table in value.items():
                where = f"[{name}.{item}]"
                if item in section.plain and not isinstance(table, Mapping):
                    problem = section.plain[item](table, context)
                    if problem:
                        problems.append(f"{source}: [{name}] {item}: {problem}")
                    continue
                if not isinstance(table, Mapping) and section.plain:
                    hint = suggestion(item, section.plain)
                    problems.append(f"{source}: [{name}] {item}: unknown key{hint}")
                    continue
                if not isinstance(table, Mapping):
                    problems.append(f"{source}: {where}: must be a table")
                    continue
                extra = extra_keys(name, item, table) if extra_keys and section.open else None
                named = Context(base_dir, str(item))
                problems += _check_table(section, table, where, source, named, extra)
    return problems


def _check_table(
    section: Section,
    table: Mapping[str, Any],
    where: str,
    source: str,
    context: Context,
    extra: frozenset[str] | None,
) -> list[str]:
    problems = []
    for key, value in table.items():
        check = section.keys.get(key)
        if check is None:
            if section.open and (extra is None or key in extra):
                continue
            known = {*section.keys, *(extra or ())}
            problem: str | None = f"unknown key{suggestion(key, known)}"
        else:
            problem = check(value, context)
        if problem:
            problems.append(f"{source}: {where} {key}: {problem}")
    if not problems:
        problems += [
            f"{source}: {where} {key}: {problem}"
            for across in section.checks
            for key, problem in across(table)
        ]
    return problems
