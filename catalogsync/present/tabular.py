"""Rows for machines: one CSV writer and one JSON-lines writer, shared by every document.

A document that prints rows (versions, models, a diff's changes, runs, status, the price
report and its summary) gives its records, the same objects its JSON list holds, to
``write_csv`` or ``write_jsonl``:

- CSV: a header row, then one row per record; amounts exact, times ISO 8601, ``None``
  empty, booleans ``true``/``false``, lists and objects as compact JSON; a text cell a
  spreadsheet would run as a formula is prefixed with ``'`` (``text.csv_cell``);
- JSON lines: one compact JSON object per line, exactly the items of the JSON list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO

from catalogsync.codec import canonical_decimal
from catalogsync.present.output import dumps_json
from catalogsync.text import csv_cell

Record = Mapping[str, object]


def csv_text(value: object) -> object:
    """One CSV cell: provider text made safe, every other value written as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return canonical_decimal(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return dumps_json(value, indent=None)  # lists and objects; starts with [ or {


def write_csv(records: Iterable[Record], out: IO[str], columns: Sequence[str]) -> None:
    """A header, then each record's values under it.

    The header is the first record's keys (so it always matches the JSON objects, however
    they grow); ``columns`` is the header of an output with no records.
    """
    rows = list(records)
    header = list(rows[0]) if rows else list(columns)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for record in rows:
        writer.writerow([csv_text(record.get(name)) for name in header])
    out.write(text.getvalue())


def write_jsonl(records: Iterable[Record], out: IO[str]) -> None:
    """One compact JSON object per line."""
    for record in records:
        out.write(dumps_json(record, indent=None) + "\n")
