"""Renderers of notification deliveries: the list, a round of deliveries, a channel test."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table

from catalogsync.notify.results import DeliveryRow
from catalogsync.present.output import add_row, shorten, write_json, write_rich
from catalogsync.present.tabular import write_csv, write_jsonl

if TYPE_CHECKING:
    from catalogsync.notify.results import ChannelTest, DeliveryList, DeliveryReport

ERROR_WIDTH = 80


def render_deliveries_json(document: DeliveryList, out: IO[str]) -> None:
    """A JSON list of deliveries, newest first."""
    write_json([asdict(d) for d in document.deliveries], out)


def render_deliveries_csv(document: DeliveryList, out: IO[str]) -> None:
    """One CSV row per delivery: the JSON list's objects."""
    columns = [f.name for f in fields(DeliveryRow)]
    write_csv((asdict(d) for d in document.deliveries), out, columns)


def render_deliveries_jsonl(document: DeliveryList, out: IO[str]) -> None:
    """One JSON object per delivery and line."""
    write_jsonl((asdict(d) for d in document.deliveries), out)


def render_deliveries_table(document: DeliveryList, out: IO[str]) -> None:
    """One row per delivery, newest first."""
    table = Table(title="notification deliveries", title_justify="left")
    for column in ("id", "channel", "provider", "version", "status", "attempts", "error"):
        table.add_column(column)
    for d in document.deliveries:
        status = d.status if d.configured else f"{d.status} (channel not configured)"
        add_row(
            table,
            d.id,
            d.channel,
            d.provider,
            str(d.version),
            status,
            str(d.attempts),
            shorten(d.last_error or "", ERROR_WIDTH),
        )
    write_rich(out, table)


def _report_dict(document: DeliveryReport) -> dict[str, Any]:
    return {
        "attempts": [asdict(a) for a in document.attempts],
        "reset": list(document.reset),
        "unconfigured_channels": list(document.unconfigured),
        "delivered": document.count("delivered"),
        "failed": document.count("failed"),
        "retrying": document.count("retrying"),
    }


def render_report_json(document: DeliveryReport, out: IO[str]) -> None:
    """What a round of deliveries did, as one JSON object."""
    write_json(_report_dict(document), out)


def render_report_table(document: DeliveryReport, out: IO[str]) -> None:
    """One row per delivery attempted."""
    table = Table(title="deliveries sent", title_justify="left")
    for column in ("id", "channel", "provider", "version", "outcome", "attempts", "error"):
        table.add_column(column)
    for a in document.attempts:
        add_row(
            table,
            a.delivery_id,
            a.channel,
            a.provider,
            str(a.version),
            a.outcome,
            str(a.attempts),
            shorten(a.error or "", ERROR_WIDTH),
        )
    write_rich(out, table)
    for name in document.unconfigured:
        out.write(f"channel {name} is no longer configured: its deliveries are left alone\n")


def render_test_json(document: ChannelTest, out: IO[str]) -> None:
    """The receiver's answer to a sample delivery."""
    write_json(asdict(document), out)


def render_test_table(document: ChannelTest, out: IO[str]) -> None:
    """The receiver's answer to a sample delivery."""
    table = Table(title=f"test of channel {document.channel}", title_justify="left")
    for column in ("kind", "delivery", "ok", "status", "answer"):
        table.add_column(column)
    code = "-" if document.status_code is None else str(document.status_code)
    ok = "yes" if document.ok else "no"
    add_row(table, document.kind, document.delivery_id, ok, code, shorten(document.answer, 200))
    write_rich(out, table)
