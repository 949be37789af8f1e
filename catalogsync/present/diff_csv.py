"""A diff between two catalog versions as CSV: one row per added or removed model, and
one per changed field of a changed model (the rows of the JSON document, flattened)."""

from __future__ import annotations

import csv
import io
from typing import IO, TYPE_CHECKING

from catalogsync.codec import JSONValue, canonical_decimal, dumps_canonical
from catalogsync.text import csv_cell

if TYPE_CHECKING:
    from catalogsync.results import VersionDiff

DIFF_COLUMNS = (
    "provider",
    "from_version",
    "to_version",
    "model_id",
    "change",
    "field",
    "old",
    "new",
)


def _value(value: JSONValue) -> str:
    """A field value as exact text: decimals as written, strings as they are, else JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not hasattr(value, "as_tuple"):
        return dumps_canonical(value)
    return canonical_decimal(value)  # type: ignore[arg-type]


def render_diff_csv(result: VersionDiff, out: IO[str]) -> None:
    """CSV with a header row: ``added``/``removed`` rows name a model, ``changed`` rows a field."""
    versions = (result.old.version if result.old else "", result.new.version)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(DIFF_COLUMNS)
    rows: list[tuple[object, ...]] = []
    rows.extend((model_id, "added", "", "", "") for model_id in result.diff.added)
    rows.extend((model_id, "removed", "", "", "") for model_id in result.diff.removed)
    for model in result.diff.changed:
        rows.extend(
            (model.model_id, "changed", c.field, _value(c.old), _value(c.new))
            for c in model.changes
        )
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in (result.provider, *versions, *row)])
    out.write(text.getvalue())
