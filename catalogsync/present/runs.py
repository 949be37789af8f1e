"""Renderers of sync runs: the list, and one run with the payload it received."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table

from catalogsync.present.output import add_row, shorten, write_json, write_rich
from catalogsync.present.tabular import write_csv, write_jsonl
from catalogsync.text import printable

if TYPE_CHECKING:
    from catalogsync.reads.runs import RunPayload, RunRow
    from catalogsync.results import RunDetail, RunList

ERROR_WIDTH = 100  # characters of an error shown in the list table (JSON has it all)


def run_dict(run: RunRow) -> dict[str, Any]:
    """A run as JSON data."""
    return {
        "id": run.id,
        "provider": run.provider,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "seconds": round(run.seconds, 3) if run.seconds is not None else None,
        "error": run.error,
        "version": run.version,
        "models_added": run.models_added,
        "models_removed": run.models_removed,
        "models_changed": run.models_changed,
        "prices_changed": run.prices_changed,
        "hostname": run.hostname,
        "pid": run.pid,
        "payload": run.payload_source,
    }


def payload_dict(payload: RunPayload | None) -> dict[str, Any]:
    """A payload as JSON data: its text when it is UTF-8, else a note to use ``--raw``."""
    if payload is None:
        return {"payload_bytes": None, "payload_text": None}
    try:
        text: str | None = payload.data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return {"payload_bytes": len(payload.data), "payload_text": text}


def render_runs_json(runs: RunList, out: IO[str]) -> None:
    """A JSON list of runs, newest first."""
    write_json([run_dict(r) for r in runs.runs], out)


RUN_COLUMNS = (
    "id",
    "provider",
    "trigger",
    "status",
    "started_at",
    "finished_at",
    "seconds",
    "error",
    "version",
    "models_added",
    "models_removed",
    "models_changed",
    "prices_changed",
    "hostname",
    "pid",
    "payload",
)
"""The keys of ``run_dict``: the CSV's columns."""


def render_runs_csv(runs: RunList, out: IO[str]) -> None:
    """One CSV row per run, newest first."""
    write_csv((run_dict(r) for r in runs.runs), out, RUN_COLUMNS)


def render_runs_jsonl(runs: RunList, out: IO[str]) -> None:
    """One JSON object per run and line, newest first."""
    write_jsonl((run_dict(r) for r in runs.runs), out)


def render_runs_table(runs: RunList, out: IO[str]) -> None:
    """One row per run, newest first."""
    write_rich(out, runs_table(runs.runs))


def runs_table(runs: Sequence[RunRow]) -> Table:
    """One row per run, newest first."""
    table = Table(title="sync runs", title_justify="left")
    for column in (
        "id",
        "provider",
        "trigger",
        "status",
        "started (UTC)",
        "seconds",
        "version",
        "+/-/~",
        "payload",
        "error",
    ):
        table.add_column(column, overflow="fold" if column == "error" else "ellipsis")
    for run in runs:
        cells = (
            str(run.id),
            run.provider,
            run.trigger,
            run.status,
            run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{run.seconds:.2f}" if run.seconds is not None else "",
            str(run.version) if run.version is not None else "",
            _counts(run),
            run.payload_source or "",
            shorten(run.error or "", ERROR_WIDTH),
        )
        add_row(table, *cells)
    return table


def render_run_json(detail: RunDetail, out: IO[str]) -> None:
    """The run's fields and its payload's size and text, as one JSON object."""
    write_json(run_dict(detail.run) | payload_dict(detail.payload), out)


def render_run_table(detail: RunDetail, out: IO[str]) -> None:
    """The run's fields, one per line, then the payload as text."""
    write_rich(out, run_table(detail.run))
    payload = detail.payload
    if payload is None:
        print("no payload was kept (nothing arrived)", file=out)
        return
    where = "this run" if payload.source == "run" else f"catalog {payload.source}"
    print(f"payload ({len(payload.data)} bytes, kept with {where}):", file=out)
    try:
        shown = printable(payload.data.decode("utf-8"), lines=True)
    except UnicodeDecodeError:
        shown = "(not UTF-8 text: see it with --raw)"
    print(shown, file=out)


def render_run_raw(detail: RunDetail, out: IO[str]) -> None:
    """Only the payload's bytes, as received: to the binary stream under ``out`` if any."""
    if detail.payload is None:
        return
    data = detail.payload.data
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(data.decode("utf-8", "surrogateescape"))
        return
    out.flush()
    buffer.write(data)
    buffer.flush()


def run_table(run: RunRow) -> Table:
    """Every field of one run, one per line."""
    table = Table(title=f"sync run {run.id}", title_justify="left", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for name, value in run_dict(run).items():
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        add_row(table, name, "" if value is None else str(value))
    return table


def _counts(run: RunRow) -> str:
    if run.models_added is None:
        return ""
    return f"+{run.models_added} -{run.models_removed} ~{run.models_changed}"
