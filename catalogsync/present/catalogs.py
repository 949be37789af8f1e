"""Renderers of catalog versions and of catalogs (the models, now or as of a time)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from rich.table import Table

from catalogsync.catalog import Catalog, Model
from catalogsync.codec import canonical_decimal
from catalogsync.keys import price_words
from catalogsync.present.output import add_row, text, write_json, write_rich
from catalogsync.present.tabular import write_csv, write_jsonl

if TYPE_CHECKING:
    from catalogsync.reads.versions import VersionRow
    from catalogsync.results import ModelList, VersionList


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


def render_versions_json(versions: VersionList, out: IO[str]) -> None:
    """A JSON list of versions."""
    write_json([version_dict(r) for r in versions.rows], out)


VERSION_COLUMNS = (
    "provider",
    "version",
    "fetched_at",
    "content_hash",
    "model_count",
    "upstream_version",
    "source",
)
"""The keys of ``version_dict``: the CSV's columns."""


def render_versions_csv(versions: VersionList, out: IO[str]) -> None:
    """One CSV row per version."""
    write_csv((version_dict(r) for r in versions.rows), out, VERSION_COLUMNS)


def render_versions_jsonl(versions: VersionList, out: IO[str]) -> None:
    """One JSON object per version and line."""
    write_jsonl((version_dict(r) for r in versions.rows), out)


def render_versions_table(versions: VersionList, out: IO[str]) -> None:
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
    for row in versions.rows:
        add_row(
            table,
            row.provider,
            str(row.version),
            row.fetched_at.strftime("%Y-%m-%d %H:%M:%S"),
            str(row.model_count),
            row.content_hash[:12],
            row.upstream_version or "",
            row.source,
        )
    write_rich(out, table)


def model_dict(provider: str, model: Model) -> dict[str, Any]:
    """A model as JSON data, with its provider."""
    return {"provider": provider, **model.as_dict()}


def render_models_json(models: ModelList, out: IO[str]) -> None:
    """A JSON list of models, of every catalog in turn."""
    write_json([model_dict(c.provider, m) for c in models.catalogs for m in c.models], out)


MODEL_COLUMNS = (
    "provider",
    "model_id",
    "name",
    "category",
    "description",
    "access",
    "prices",
    "inputs",
    "output_formats",
    "attributes",
)
"""The keys of ``model_dict``: the CSV's columns (lists and objects as JSON text)."""


def render_models_csv(models: ModelList, out: IO[str]) -> None:
    """One CSV row per model; its prices, inputs, formats and attributes as JSON cells."""
    write_csv(
        (model_dict(c.provider, m) for c in models.catalogs for m in c.models), out, MODEL_COLUMNS
    )


def render_models_jsonl(models: ModelList, out: IO[str]) -> None:
    """One JSON object per model and line."""
    write_jsonl((model_dict(c.provider, m) for c in models.catalogs for m in c.models), out)


def models_title(models: ModelList) -> str:
    """``current models``, or ``models as of 2026-03-01 00:00:00 UTC``."""
    if models.as_of is None:
        return "current models"
    return f"models as of {models.as_of:%Y-%m-%d %H:%M:%S} UTC"


def render_models_table(models: ModelList, out: IO[str]) -> None:
    """The models as a table."""
    write_rich(out, models_table(models.catalogs, models_title(models)))


def models_table(catalogs: Iterable[Catalog], title: str) -> Table:
    """Models of one or more catalogs, with their prices in short."""
    table = Table(title=text(title), title_justify="left")
    for column in ("provider", "model", "name", "category", "access", "prices"):
        table.add_column(column, overflow="fold")
    for catalog in catalogs:
        for model in catalog.models:
            cells = (
                catalog.provider,
                model.model_id,
                model.name or "",
                model.category or "",
                model.access or "",
                _prices_text(model),
            )
            add_row(table, *cells)
    return table


def _prices_text(model: Model) -> str:
    """``1 credits/minute``; ``720p 5; 1080p 10 credits``; ``openai 2.5/10 USD/1M tokens``;
    a tier, service tier or region names its own group (``batch 1.25/5``)."""
    if not model.prices:
        return "-"
    groups: dict[str, list[str]] = {}
    for price in model.prices:  # sorted by type, so input_tokens comes before output_tokens
        amount = "variable" if price.amount is None else canonical_decimal(price.amount)
        group = " ".join(price_words(price.key)[1:])  # all but the price type
        groups.setdefault(group, []).append(amount)
    units = sorted({p.unit for p in model.prices})
    parts = [f"{variant} {'/'.join(amounts)}".strip() for variant, amounts in groups.items()]
    shown = parts[:4] + ([f"+{len(parts) - 4} more"] if len(parts) > 4 else [])
    paired = any(p.price_type == "output_tokens" for p in model.prices)
    return "; ".join(shown) + f" {', '.join(units)}" + (" (in/out)" if paired else "")
