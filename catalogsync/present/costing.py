"""Renderers of costing: a model's prices at a time (``price``), repriced usage (``cost``).

A ``CostReport`` is a stream: every renderer writes each row as it is priced and the
totals after the last one, so memory stays flat however long the log. The row formats:

- ``csv``: one header, then one line per usage row (``kind`` ``row``), then the totals
  (``kind`` ``total``: per currency; ``group``: per ``--group-by`` key and currency, the
  unpriced rows of a group with an empty currency; ``unpriced``: how many rows were not
  priced);
- ``jsonl``: one object per line with the same fields and ``kind``;
- ``json``: one document, ``{"rows": [...], "totals": [...], "groups": [...],
  "priced_rows": N, "unpriced_rows": M}``;
- ``table``: a line per row for people, then the totals as tables.

Amounts are exact decimals (JSON numbers, never floats); times ISO 8601 UTC.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table

from catalogsync.codec import canonical_decimal
from catalogsync.present.output import add_row, write_json, write_rich
from catalogsync.present.tabular import write_jsonl
from catalogsync.text import csv_cell, printable

if TYPE_CHECKING:
    from catalogsync.costing.reprice import CostedRow, Totals
    from catalogsync.costing.results import CostReport, PricesAt

COLUMNS = (
    "kind",
    "line",
    "timestamp",
    "provider",
    "model",
    "variant",
    "service_tier",
    "region",
    "group",
    "cost",
    "currency",
    "catalog_version",
    "rows",
    "reason",
)
"""The fields of every line of the ``csv`` and ``jsonl`` formats."""

POINT_COLUMNS = (
    "provider",
    "model",
    "at",
    "version",
    "fetched_at",
    "payload_sha256",
    "price_type",
    "variant",
    "tier",
    "service_tier",
    "region",
    "unit",
    "amount",
    "currency",
    "since",
)


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return canonical_decimal(value)
    if isinstance(value, datetime):
        return _time(value)
    return str(value)


# --- price -------------------------------------------------------------------------------


def _point_records(found: PricesAt) -> Iterator[dict[str, Any]]:
    for point in found.points:
        yield {
            "provider": found.provider,
            "model": found.model,
            "at": found.at,
            "version": found.version,
            "fetched_at": found.fetched_at,
            "payload_sha256": found.payload_sha256,
            "price_type": point.price_type,
            "variant": point.variant,
            "tier": point.tier,
            "service_tier": point.service_tier,
            "region": point.region,
            "unit": point.unit,
            "amount": point.amount,
            "currency": point.currency,
            "since": point.since,
        }


def render_price_json(found: PricesAt, out: IO[str]) -> None:
    """One document: the version and its payload's hash, and the price points."""
    write_json(
        {
            "provider": found.provider,
            "model": found.model,
            "at": found.at,
            "version": found.version,
            "fetched_at": found.fetched_at,
            "content_hash": found.content_hash,
            "payload_sha256": found.payload_sha256,
            "payload_bytes": found.payload_bytes,
            "run_id": found.run_id,
            "prices": [
                {key: value for key, value in record.items() if key in _POINT_FIELDS}
                for record in _point_records(found)
            ],
        },
        out,
    )


_POINT_FIELDS = POINT_COLUMNS[6:]


def render_price_csv(found: PricesAt, out: IO[str]) -> None:
    """One line per price point, each with the version and the payload's hash."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(POINT_COLUMNS)
    for record in _point_records(found):
        writer.writerow([_cell(csv_cell(value)) for value in record.values()])


def render_price_jsonl(found: PricesAt, out: IO[str]) -> None:
    """One JSON object per price point, each with the version and the payload's hash."""
    write_jsonl(_point_records(found), out)


def render_price_table(found: PricesAt, out: IO[str]) -> None:
    """The version (observed time, payload hash, the run to fetch it from), the prices."""
    head = Table(
        title=f"{printable(found.provider)} / {printable(found.model)} at {_time(found.at)}"
    )
    head.add_column("field")
    head.add_column("value")
    add_row(head, "catalog version", str(found.version))
    add_row(head, "observed at", _time(found.fetched_at))
    add_row(head, "payload SHA-256", found.payload_sha256)
    add_row(head, "payload bytes", str(found.payload_bytes))
    if found.run_id is not None:
        add_row(head, "fetch the payload", f"catalogsync runs show {found.run_id} --raw")
    prices = Table()
    for name in ("price", "variant", "tier", "service tier", "region", "amount", "unit", "since"):
        prices.add_column(name)
    for point in found.points:
        add_row(
            prices,
            point.price_type,
            point.variant,
            point.tier,
            point.service_tier,
            point.region,
            "variable" if point.amount is None else canonical_decimal(point.amount),
            point.unit,
            _time(point.since),
        )
    write_rich(out, head, prices)


# --- cost --------------------------------------------------------------------------------


def _row_record(row: CostedRow) -> dict[str, Any]:
    return {
        "kind": "row",
        "line": row.line,
        "timestamp": _time(row.timestamp),
        "provider": row.provider,
        "model": row.model,
        "variant": row.variant,
        "service_tier": row.service_tier,
        "region": row.region,
        "group": None,
        "cost": row.cost,
        "currency": row.currency,
        "catalog_version": row.version,
        "rows": None,
        "reason": row.reason,
    }


def _total_records(totals: Totals) -> Iterator[dict[str, Any]]:
    blank = dict.fromkeys(COLUMNS)
    for currency, total in sorted(totals.currencies.items()):
        yield {
            **blank,
            "kind": "total",
            "cost": total.cost,
            "currency": currency,
            "rows": total.rows,
        }
    for (key, in_currency), total in sorted(totals.groups.items(), key=_group_order):
        yield {
            **blank,
            "kind": "group",
            "group": key,
            "cost": total.cost if in_currency is not None else None,
            "currency": in_currency,
            "rows": total.rows,
        }
    yield {**blank, "kind": "unpriced", "rows": totals.unpriced}


def _group_order(item: tuple[tuple[str, str | None], object]) -> tuple[str, str]:
    (key, currency), _ = item
    return (key, currency or "")


def _plain(amount: Decimal) -> str:
    """``amount`` as ``codec.canonical_decimal`` spells it (plain, no trailing zeros)."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Cells(dict[str, object]):
    """Text made safe for CSV (``text.csv_cell``), each distinct value once: a log repeats
    a few providers, models and reasons over millions of rows."""

    def __missing__(self, key: str) -> object:
        value = self[key] = csv_cell(key)
        return value


def render_cost_csv(report: CostReport, out: IO[str]) -> None:
    """CSV: a header, a line per usage row, then the totals (see the module's docstring)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    cells = _Cells()
    for row in report.rows:
        cost = row.cost
        writer.writerow(
            (
                "row",
                row.line,
                _time(row.timestamp),
                cells[row.provider],
                cells[row.model],
                cells[row.variant],
                cells[row.service_tier],
                cells[row.region],
                "",
                "" if cost is None else _plain(cost),
                row.currency or "",
                "" if row.version is None else row.version,
                "",
                cells[row.reason or ""],
            )
        )
    for record in _total_records(report.totals):
        writer.writerow([_cell(csv_cell(value)) for value in record.values()])


def _json_line(record: dict[str, Any]) -> str:
    """One record as compact JSON, amounts as exact JSON numbers."""
    parts = []
    for key, value in record.items():
        text = _plain(value) if isinstance(value, Decimal) else json.dumps(value)
        parts.append(f'"{key}": {text}')
    return "{" + ", ".join(parts) + "}"


def render_cost_jsonl(report: CostReport, out: IO[str]) -> None:
    """One JSON object a line: the rows, then the totals."""
    for row in report.rows:
        out.write(_json_line(_row_record(row)) + "\n")
    for record in _total_records(report.totals):
        out.write(_json_line(record) + "\n")


def render_cost_json(report: CostReport, out: IO[str]) -> None:
    """One JSON document, written as the rows are priced."""
    out.write('{"rows": [')
    separator = "\n  "
    for row in report.rows:
        record = _row_record(row)
        for unused in ("kind", "group", "rows"):
            del record[unused]
        out.write(separator + _json_line(record))
        separator = ",\n  "
    totals = report.totals
    records = list(_total_records(totals))
    keep = ("cost", "currency", "rows")
    summary = [{k: r[k] for k in keep} for r in records if r["kind"] == "total"]
    groups = [
        {"group_by": totals.group_by, "group": r["group"], **{k: r[k] for k in keep}}
        for r in records
        if r["kind"] == "group"
    ]
    out.write("\n],\n")
    out.write('"totals": [' + ", ".join(_json_line(s) for s in summary) + "],\n")
    out.write('"groups": [' + ",\n  ".join(_json_line(g) for g in groups) + "],\n")
    out.write(f'"priced_rows": {totals.priced}, "unpriced_rows": {totals.unpriced}}}\n')


def render_cost_table(report: CostReport, out: IO[str]) -> None:
    """A line per row for people (reasons in full), then the totals as tables."""
    out.write(
        f"{'line':>8}  {'timestamp (UTC)':20}  {'provider/model':40}  {'cost':>16}  currency\n"
    )
    for row in report.rows:
        what = printable(f"{row.provider}/{row.model}")
        extra = ", ".join(printable(v) for v in (row.variant, row.service_tier, row.region) if v)
        if extra:
            what = f"{what} [{extra}]"
        stamp = row.timestamp.strftime("%Y-%m-%d %H:%M:%S")
        if row.cost is None:
            money, tail = "UNPRICED", printable(row.reason or "")
        else:
            money = canonical_decimal(row.cost)
            tail = f"{printable(row.currency or '')} (v{row.version})"
        out.write(f"{row.line:>8}  {stamp:20}  {what:40}  {money:>16}  {tail}\n")
    totals = report.totals
    table = Table(title="Totals")
    for name in ("currency", "cost", "rows"):
        table.add_column(name)
    for currency, total in sorted(totals.currencies.items()):
        add_row(table, currency, canonical_decimal(total.cost), str(total.rows))
    add_row(table, "unpriced", "", str(totals.unpriced))
    renderables: list[Any] = [table]
    if totals.group_by is not None:
        groups = Table(title=f"By {totals.group_by}")
        for name in (totals.group_by, "currency", "cost", "rows"):
            groups.add_column(name)
        for (key, in_currency), total in sorted(totals.groups.items(), key=_group_order):
            cost = canonical_decimal(total.cost) if in_currency is not None else ""
            add_row(groups, key, in_currency or "unpriced", cost, str(total.rows))
        renderables.append(groups)
    write_rich(out, *renderables)
