"""Usage logs read as a stream of rows: CSV with a header, or JSON lines.

A row names ``timestamp`` (ISO 8601; UTC when it has no offset), ``provider``, ``model``
and, optionally, ``variant``, ``service_tier`` and ``region`` (empty: the base variant,
the standard service tier, not regional). Every other column is a quantity, named after
the price type it is charged by (``input_tokens``, ``output_tokens``, ``request``,
``per_minute`` in minutes, ``unit`` in units...; ``KNOWN_QUANTITIES`` lists the price
types the shipped adapters store), except those the caller says to ignore. A quantity is
a non-negative decimal; empty (or JSON ``null``) is none.

Anything else is a malformed file: ``UsageFileError`` names the line and the column, and
reading stops there. Rows are read one at a time (``read_usage`` is a generator), so the
memory a log takes does not grow with its length.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from catalogsync.errors import ConfigError

REQUIRED = ("timestamp", "provider", "model")
OPTIONAL = ("variant", "service_tier", "region")

KNOWN_QUANTITIES = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
    "input_audio_tokens",
    "output_audio_tokens",
    "input_audio_cache_tokens",
    "input_image_tokens",
    "output_image_tokens",
    "input_video_tokens",
    "output_video_tokens",
    "cache_read_audio_tokens",
    "cache_write_audio_tokens",
    "request",
    "input_image",
    "output_image",
    "web_search",
    "input_pixel",
    "output_pixel",
    "input_character",
    "output_character",
    "input_query",
    "output_query",
    "per_minute",
    "per_second",
    "input_per_second",
    "output_per_second",
    "input_audio_per_second",
    "output_audio_per_second",
    "input_video_per_second",
    "output_video_per_second",
    "per_hour",
    "unit",
)
"""The price types the shipped adapters store (``providers/``), each a usage column. Any
other column is read as a quantity too (a source's own price type), unless ignored."""

MAX_DIGITS = 30
"""How far from 1 a JSON quantity's exponent may be (1e30 tokens is no usage)."""
_QUANTITY = re.compile(r"\d+(\.\d*)?|\.\d+")


class UsageFileError(ConfigError):
    """A usage log that cannot be read: the line, the column and what is wrong."""

    def __init__(self, line: int, column: str | None, message: str) -> None:
        self.line = line
        self.column = column
        where = f"line {line}" + (f", column {column}" if column else "")
        super().__init__(f"usage log, {where}: {message}")


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One row of a usage log: when, what, and the non-zero quantities used."""

    line: int
    timestamp: datetime
    provider: str
    model: str
    variant: str
    service_tier: str
    region: str
    quantities: dict[str, Decimal]


def detect_kind(name: str, first: str) -> str:
    """``"csv"`` or ``"jsonl"``: by the file's extension, else by its first character."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "jsonl" if first.lstrip().startswith("{") else "csv"


def read_usage(
    stream: Iterable[str], kind: str, ignore: Collection[str] = ()
) -> Iterator[UsageRow]:
    """The rows of a usage log of ``kind`` (``csv`` or ``jsonl``), one at a time."""
    if kind == "csv":
        return _csv_rows(stream, frozenset(ignore))
    return _json_rows(stream, frozenset(ignore))


def _csv_rows(stream: Iterable[str], ignore: frozenset[str]) -> Iterator[UsageRow]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise UsageFileError(1, None, "the file is empty (a CSV log starts with a header)")
    names = [name.strip() for name in header]
    for name in names:
        if names.count(name) > 1:
            raise UsageFileError(1, name, "the column appears twice")
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise UsageFileError(1, missing[0], "a required column is missing")
    index = {name: names.index(name) for name in names}
    at, by, named = (index[n] for n in REQUIRED)
    variant_at, tier_at, region_at = (index.get(n, -1) for n in OPTIONAL)
    skipped = {*REQUIRED, *OPTIONAL, *ignore}
    quantities = [(n, i) for n, i in index.items() if n not in skipped]
    if not quantities:
        raise UsageFileError(1, None, "no quantity column (input_tokens, request, ...)")
    width = len(names)
    for values in reader:
        line = reader.line_num
        if not values:
            continue
        if len(values) != width:
            raise UsageFileError(line, None, f"{len(values)} fields, the header has {width}")
        used: dict[str, Decimal] = {}
        for name, i in quantities:
            text = values[i]
            if text and text != "0":
                amount = (
                    Decimal(text)
                    if text.isdigit() and text.isascii()
                    else quantity(text, line, name)
                )
                if amount:
                    used[name] = amount
        provider, model = values[by], values[named]
        if not provider.strip():
            raise UsageFileError(line, "provider", "must not be empty")
        if not model.strip():
            raise UsageFileError(line, "model", "must not be empty")
        yield UsageRow(
            line,
            timestamp(values[at], line),
            provider,
            model,
            values[variant_at] if variant_at >= 0 else "",
            values[tier_at] if tier_at >= 0 else "",
            values[region_at] if region_at >= 0 else "",
            used,
        )


def _json_rows(stream: Iterable[str], ignore: frozenset[str]) -> Iterator[UsageRow]:
    skipped = {*REQUIRED, *OPTIONAL, *ignore}
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            data: Any = json.loads(text, parse_float=Decimal)
        except ValueError as exc:
            raise UsageFileError(line, None, f"not JSON ({exc.args[0]})") from None
        if not isinstance(data, dict):
            raise UsageFileError(line, None, "a line must hold a JSON object")
        for name in REQUIRED:
            if name not in data:
                raise UsageFileError(line, name, "a required column is missing")
        fields = [_json_text(data.get(name), line, name) for name in (*REQUIRED, *OPTIONAL)]
        ts, provider, model, variant, service_tier, region = fields
        used: dict[str, Decimal] = {}
        for name, value in data.items():
            if name in skipped or value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
                raise UsageFileError(line, name, "a quantity must be a number")
            if isinstance(value, str):
                amount = quantity(value, line, name)
            elif value < 0:
                raise UsageFileError(line, name, f"negative quantity {value}")
            else:
                amount = Decimal(value)  # a JSON number, exponent and all (1e3): exact
                if amount and abs(amount.adjusted()) > MAX_DIGITS:
                    raise UsageFileError(line, name, f"quantity {value:.3e} is out of range")
            if amount:
                used[name] = amount
        yield UsageRow(
            line,
            timestamp(ts, line),
            _text(provider, line, "provider"),
            _text(model, line, "model"),
            variant,
            service_tier,
            region,
            used,
        )


def _json_text(value: object, line: int, column: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageFileError(line, column, "must be text")
    return value


def _text(value: str, line: int, column: str) -> str:
    if not value.strip():
        raise UsageFileError(line, column, "must not be empty")
    return value


def quantity(text: str, line: int, column: str) -> Decimal:
    """A quantity cell read exactly (``UsageFileError`` unless a decimal >= 0)."""
    text = text.strip()
    if _QUANTITY.fullmatch(text):
        return Decimal(text)
    if text.startswith("-") and _QUANTITY.fullmatch(text[1:]):
        raise UsageFileError(line, column, f"negative quantity {text!r}")
    hint = "" if column in KNOWN_QUANTITIES else " (not a quantity? --ignore-column it)"
    raise UsageFileError(line, column, f"{text[:40]!r} is not a quantity{hint}")


def timestamp(text: str, line: int) -> datetime:
    """An ISO 8601 time in UTC (``UsageFileError`` otherwise); no offset means UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageFileError(line, "timestamp", f"{text[:40]!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
