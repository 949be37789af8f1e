"""The one registry of output formats: for each kind of document, its formats and renderers.

Every renderer has the same signature, ``render(document, out)``: it writes the document
to the text stream ``out`` and returns nothing. Renderers are named here by module and
function and imported on first use, so a command loads only the renderer it prints with
(the HTML page and the report's formats stay unloaded for a sync from cron).

Adding a format is one line here (and its extension below, if files of it are written);
a front end asks ``format_names`` for the choices it offers and calls ``render``.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import PurePath
from typing import IO

from catalogsync.costing.results import CostReport, PricesAt
from catalogsync.notify.results import ChannelTest, DeliveryList, DeliveryReport
from catalogsync.results import (
    ConfigSummary,
    DemoResult,
    ModelList,
    PriceReport,
    PriceSummary,
    PruneReport,
    RebuildReport,
    RunDetail,
    RunList,
    SchemaUpgrade,
    StatusReport,
    SyncReport,
    VersionDiff,
    VersionList,
)

DEFAULT = "table"
"""The format of a command that is not told one: for people, on a terminal."""

EXTENSIONS = {
    ".html": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".md": "markdown",
}
"""The format a file of each extension is written in (anything else: ``DEFAULT``)."""

HISTORY_FORMATS = frozenset({"html"})
"""Formats that draw each changed price's whole history (the report loads it for them)."""

_PACKAGE = "catalogsync.present"

RENDERERS: dict[type, dict[str, str]] = {
    SyncReport: {"table": "sync:render_sync_table", "json": "sync:render_sync_json"},
    SchemaUpgrade: {"table": "sync:render_upgrade"},
    DemoResult: {"table": "sync:render_demo"},
    VersionList: {
        "table": "catalogs:render_versions_table",
        "json": "catalogs:render_versions_json",
        "csv": "catalogs:render_versions_csv",
        "jsonl": "catalogs:render_versions_jsonl",
    },
    ModelList: {
        "table": "catalogs:render_models_table",
        "json": "catalogs:render_models_json",
        "csv": "catalogs:render_models_csv",
        "jsonl": "catalogs:render_models_jsonl",
    },
    VersionDiff: {
        "table": "diffs:render_diff_table",
        "json": "diffs:render_diff_json",
        "csv": "diffs:render_diff_csv",
        "jsonl": "diffs:render_diff_jsonl",
    },
    PriceReport: {
        "table": "prices:render_prices_table",
        "json": "prices:render_prices_json",
        "csv": "prices:render_prices_csv",
        "jsonl": "prices:render_prices_jsonl",
        "markdown": "prices:render_prices_markdown",
        "html": "html:render_prices_html",
    },
    PriceSummary: {
        "table": "summary:render_summary_table",
        "json": "summary:render_summary_json",
        "csv": "summary:render_summary_csv",
        "jsonl": "summary:render_summary_jsonl",
        "markdown": "summary:render_summary_markdown",
    },
    StatusReport: {
        "table": "status:render_status_table",
        "json": "status:render_status_json",
        "csv": "status:render_status_csv",
        "jsonl": "status:render_status_jsonl",
    },
    RunList: {
        "table": "runs:render_runs_table",
        "json": "runs:render_runs_json",
        "csv": "runs:render_runs_csv",
        "jsonl": "runs:render_runs_jsonl",
    },
    RunDetail: {"table": "runs:render_run_table", "json": "runs:render_run_json"},
    PruneReport: {"table": "prune:render_prune_table", "json": "prune:render_prune_json"},
    ConfigSummary: {"table": "config:render_config_table", "json": "config:render_config_json"},
    RebuildReport: {
        "table": "rebuild:render_rebuild_table",
        "json": "rebuild:render_rebuild_json",
    },
    PricesAt: {
        "table": "costing:render_price_table",
        "json": "costing:render_price_json",
        "csv": "costing:render_price_csv",
        "jsonl": "costing:render_price_jsonl",
    },
    CostReport: {
        "table": "costing:render_cost_table",
        "json": "costing:render_cost_json",
        "csv": "costing:render_cost_csv",
        "jsonl": "costing:render_cost_jsonl",
    },
    DeliveryList: {
        "table": "notify:render_deliveries_table",
        "json": "notify:render_deliveries_json",
        "csv": "notify:render_deliveries_csv",
        "jsonl": "notify:render_deliveries_jsonl",
    },
    DeliveryReport: {"table": "notify:render_report_table", "json": "notify:render_report_json"},
    ChannelTest: {"table": "notify:render_test_table", "json": "notify:render_test_json"},
}
"""Document type -> format name -> ``module:function`` in ``catalogsync.present``."""


def format_names(kind: type) -> tuple[str, ...]:
    """The formats documents of ``kind`` can be written in, the default first."""
    return tuple(RENDERERS[kind])


def format_for_file(kind: type, path: str) -> str:
    """The format of a file named ``path``, from its extension (else ``DEFAULT``)."""
    name = EXTENSIONS.get(PurePath(path).suffix.lower(), DEFAULT)
    return name if name in RENDERERS[kind] else DEFAULT


def choose_format(kind: type, given: str | None, path: str | None = None) -> str:
    """The format asked for; else the one of the file written (``path``); else ``DEFAULT``."""
    if given is not None:
        return given
    return format_for_file(kind, path) if path else DEFAULT


def render(document: object, format_name: str, out: IO[str]) -> None:
    """Write ``document`` to ``out`` in ``format_name``."""
    try:
        reference = RENDERERS[type(document)][format_name]
    except KeyError:
        raise ValueError(
            f"no {format_name!r} renderer for {type(document).__name__} documents"
        ) from None
    module, function = reference.split(":")
    getattr(import_module(f"{_PACKAGE}.{module}"), function)(document, out)
