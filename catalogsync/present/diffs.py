"""Renderers of a diff between two catalog versions: the contract's JSON document, and a
grouped, coloured text."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text

from catalogsync.codec import JSONValue, canonical_decimal, dumps_canonical
from catalogsync.present.output import text, write_json, write_rich
from catalogsync.present.tabular import write_csv, write_jsonl
from catalogsync.text import printable

if TYPE_CHECKING:
    from catalogsync.results import VersionDiff


def render_diff_json(result: VersionDiff, out: IO[str]) -> None:
    """The diff as one JSON document."""
    write_json(diff_document(result), out)


def render_diff_table(result: VersionDiff, out: IO[str]) -> None:
    """The diff for a terminal."""
    write_rich(out, diff_text(result))


def diff_document(result: VersionDiff) -> dict[str, Any]:
    """``{"provider", "from_version", "to_version", "added", "removed", "changed"}``."""
    provider, old, new, diff = result.provider, result.old, result.new, result.diff
    return {
        "provider": provider,
        "from_version": old.version if old else None,
        "to_version": new.version,
        "added": list(diff.added),
        "removed": list(diff.removed),
        "changed": [
            {
                "model_id": model.model_id,
                "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in model.changes],
            }
            for model in diff.changed
        ],
    }


CHANGE_COLUMNS = (
    "provider",
    "from_version",
    "to_version",
    "model_id",
    "change",
    "field",
    "old",
    "new",
)
"""The columns of a diff's rows: one per model added or removed, one per changed field."""


def diff_rows(result: VersionDiff) -> list[dict[str, Any]]:
    """The diff as rows, one per change: a model added or removed (``field`` empty), or one
    field of a changed model (``change`` is ``changed``)."""
    provider, old, diff = result.provider, result.old, result.diff
    common = {
        "provider": provider,
        "from_version": old.version if old else None,
        "to_version": result.new.version,
    }
    rows: list[dict[str, Any]] = []
    for kind, model_ids in (("added", diff.added), ("removed", diff.removed)):
        rows += [
            {**common, "model_id": m, "change": kind, "field": None, "old": None, "new": None}
            for m in model_ids
        ]
    for model in diff.changed:
        rows += [
            {
                **common,
                "model_id": model.model_id,
                "change": "changed",
                "field": c.field,
                "old": c.old,
                "new": c.new,
            }
            for c in model.changes
        ]
    return rows


def render_diff_csv(result: VersionDiff, out: IO[str]) -> None:
    """One CSV row per change (``diff_rows``)."""
    write_csv(diff_rows(result), out, CHANGE_COLUMNS)


def render_diff_jsonl(result: VersionDiff, out: IO[str]) -> None:
    """One JSON object per change and line (``diff_rows``)."""
    write_jsonl(diff_rows(result), out)


def diff_text(result: VersionDiff) -> Group:
    """The diff for a terminal: a heading, then added, removed and changed models."""
    provider, old, new, diff = result.provider, result.old, result.new, result.diff
    before = f"version {old.version} ({old.fetched_at:%Y-%m-%d %H:%M})" if old else "nothing"
    heading = text(
        f"{provider}: {before} -> version {new.version} ({new.fetched_at:%Y-%m-%d %H:%M} UTC)",
        "bold",
    )
    lines: list[Text] = [heading]
    if diff.is_empty:
        lines.append(Text("no changes"))
    if diff.added:
        lines.append(Text(f"added ({len(diff.added)})", style="bold green"))
        lines.extend(text(f"  + {model_id}", "green") for model_id in diff.added)
    if diff.removed:
        lines.append(Text(f"removed ({len(diff.removed)})", style="bold red"))
        lines.extend(text(f"  - {model_id}", "red") for model_id in diff.removed)
    if diff.changed:
        lines.append(Text(f"changed ({len(diff.changed)})", style="bold yellow"))
        for model in diff.changed:
            lines.append(text(f"  ~ {model.model_id}", "yellow"))
            for change in model.changes:
                line = text(f"      {change.field}: ")
                if isinstance(change.old, list) and isinstance(change.new, list):
                    # Sets of formats: say what came and went rather than both lists.
                    gone = [v for v in change.old if v not in change.new]
                    came = [v for v in change.new if v not in change.old]
                    line.append(" ".join(f"+{value_text(v)}" for v in came), style="green")
                    line.append(" " if came and gone else "")
                    line.append(" ".join(f"-{value_text(v)}" for v in gone), style="red")
                else:
                    line.append(value_text(change.old), style="red")
                    line.append(" -> ")
                    line.append(value_text(change.new), style="green")
                lines.append(line)
    return Group(*lines)


def value_text(value: JSONValue) -> str:
    """A field value in short: exact numbers, lists joined, objects as compact JSON; any
    control character shown escaped (the value is provider text)."""
    if value is None:
        return "(none)"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return printable("[" + ", ".join(str(v) for v in value) + "]")
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, bool) or not hasattr(value, "as_tuple"):
        return printable(dumps_canonical(value))
    return canonical_decimal(value)  # type: ignore[arg-type]
