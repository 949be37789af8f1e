"""Turning results into text: JSON documents and terminal tables. No I/O but the stream given.

JSON amounts are written as exact JSON numbers (``0.00000100000000000000015``, never a
rounded float), timestamps as ISO 8601 in UTC.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from catalogsync.catalog import Catalog, Model
from catalogsync.codec import canonical_decimal, dumps_exact
from catalogsync.queries import VersionRow
from catalogsync.sync import SyncOutcome


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def dumps_json(value: Any, indent: int | None = 2) -> str:
    """Serialise ``value`` as JSON, keeping key order, with exact decimals and ISO times."""
    return dumps_exact(value, indent=indent, default=_encode)


def print_json(value: Any, out: IO[str]) -> None:
    """Write ``value`` as one JSON document."""
    out.write(dumps_json(value) + "\n")


def console(out: IO[str]) -> Console:
    """A rich console on ``out``: colours on a terminal, plain text through a pipe."""
    return Console(file=out, soft_wrap=False, width=None if out.isatty() else 160)


def outcome_dict(outcome: SyncOutcome) -> dict[str, Any]:
    """A sync outcome as JSON data."""
    data = dataclasses.asdict(outcome)
    data["seconds"] = round(outcome.seconds, 3)
    return data


def outcomes_table(outcomes: Sequence[SyncOutcome]) -> Table:
    """The summary of a sync, one row per provider."""
    table = Table(title="sync", title_justify="left")
    for column in (
        "provider",
        "status",
        "version",
        "models",
        "+added",
        "-removed",
        "~changed",
        "price changes",
        "seconds",
        "note",
    ):
        table.add_column(
            column,
            justify="right"
            if column[0] in "+-~vmsp" and column not in ("provider", "status")
            else "left",
        )
    styles = {"succeeded": "green", "unchanged": "cyan", "failed": "bold red", "skipped": "yellow"}
    for o in outcomes:
        table.add_row(
            o.provider,
            f"[{styles.get(o.status, '')}]{o.status}[/]",
            _text(o.version),
            _text(o.model_count),
            str(o.added),
            str(o.removed),
            str(o.changed),
            str(o.prices_changed),
            f"{o.seconds:.2f}",
            Text(o.error or ""),  # not markup: errors quote JSON paths and [tables]
        )
    return table


def version_dict(row: VersionRow) -> dict[str, Any]:
    """A catalog version as JSON data (the contract's ``versions --format json`` object)."""
    return {
        "provider": row.provider,
        "version": row.version,
        "fetched_at": row.fetched_at,
        "content_hash": row.content_hash,
        "model_count": row.model_count,
        "upstream_version": row.upstream_version,
        "source": row.source,
    }


def versions_table(rows: Iterable[VersionRow]) -> Table:
    """Catalog versions, one row each."""
    table = Table(title="catalog versions", title_justify="left")
    for column in (
        "provider",
        "version",
        "fetched at (UTC)",
        "models",
        "content hash",
        "upstream version",
        "source",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.provider,
            str(row.version),
            row.fetched_at.strftime("%Y-%m-%d %H:%M:%S"),
            str(row.model_count),
            row.content_hash[:12],
            Text(row.upstream_version or ""),
            row.source,
        )
    return table


def model_dict(provider: str, model: Model) -> dict[str, Any]:
    """A model as JSON data."""
    return {
        "provider": provider,
        "model_id": model.model_id,
        "name": model.name,
        "category": model.category,
        "description": model.description,
        "access": model.access,
        "prices": [
            {"price_type": p.price_type, "variant": p.variant, "unit": p.unit, "amount": p.amount}
            for p in model.prices
        ],
        "inputs": [i.as_dict() for i in model.inputs],
        "output_formats": [f.label for f in sorted(model.output_formats)],
        "attributes": dict(model.attributes),
    }


def models_table(catalogs: Iterable[Catalog], title: str = "models") -> Table:
    """Models of one or more catalogs, with their prices in short."""
    table = Table(title=title, title_justify="left")
    for column in ("provider", "model", "name", "category", "access", "prices"):
        table.add_column(column, overflow="fold")
    for catalog in catalogs:
        for model in catalog.models:
            # Text, not markup: names come from providers and may hold "[...]".
            cells = (
                catalog.provider,
                model.model_id,
                model.name or "",
                model.category or "",
                model.access or "",
                _prices_text(model),
            )
            table.add_row(*(Text(cell) for cell in cells))
    return table


def counts_table(counts: Mapping[str, int]) -> Table:
    """Row counts per table."""
    table = Table(title="tables", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    return table


def _prices_text(model: Model) -> str:
    """``1 credits/minute``; ``720p 5; 1080p 10 credits``; ``openai 2.5/10 USD/1M tokens``."""
    if not model.prices:
        return "-"
    groups: dict[str, list[str]] = {}
    for price in model.prices:  # sorted by type, so input_tokens comes before output_tokens
        groups.setdefault(price.variant, []).append(canonical_decimal(price.amount))
    units = sorted({p.unit for p in model.prices})
    parts = [f"{variant} {'/'.join(amounts)}".strip() for variant, amounts in groups.items()]
    shown = parts[:4] + ([f"+{len(parts) - 4} more"] if len(parts) > 4 else [])
    paired = any(p.price_type == "output_tokens" for p in model.prices)
    return "; ".join(shown) + f" {', '.join(units)}" + (" (in/out)" if paired else "")


def _text(value: object) -> str:
    return "" if value is None else str(value)
