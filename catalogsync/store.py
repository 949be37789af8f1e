"""Writing: the one module that changes catalog versions and the history tables.

``store_catalog`` writes a new catalog in the caller's transaction:

1. the catalog hash equals the newest version's: nothing to write (``unchanged``);
2. otherwise the current model rows (id and content hash only) say which models were
   added, removed or changed; only the changed models' child rows are read;
3. rows that stop being true are closed (``valid_to``, ``closed_in_version_id``) and new
   rows opened, in batches. Nothing is updated otherwise, nothing is deleted.

Every row is dated by the observed time of its version (the fetch time, or the
``--observed-at`` of an import), so backfilled archives get their true dates.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection, Table, insert, select, update

from catalogsync.catalog import Catalog, Format, Model, dumps_canonical, hash_model_hashes
from catalogsync.db import models as t
from catalogsync.diff import classify_models, diff_keyed, removal_exceeds
from catalogsync.errors import ImportOrderError, MassRemovalError

T = TypeVar("T")
CHUNK = 500  # ids per IN (...) list: well under SQLite's and psycopg's parameter limits


@dataclass(frozen=True)
class ChildSpec:
    """How one child table is keyed: the columns that identify a row and those it holds."""

    table: Table
    keys: tuple[str, ...]
    values: tuple[str, ...]


CHILD_SPECS = (
    ChildSpec(t.ModelInput.__table__, ("input_id",), ("description", "required", "task_fields")),  # type: ignore[arg-type]
    ChildSpec(t.ModelInputFormat.__table__, ("input_id", "format_id"), ()),  # type: ignore[arg-type]
    ChildSpec(t.ModelOutputFormat.__table__, ("format_id",), ()),  # type: ignore[arg-type]
    ChildSpec(t.Price.__table__, ("price_type", "variant", "unit"), ("amount",)),  # type: ignore[arg-type]
    ChildSpec(t.ModelAttribute.__table__, ("name",), ("value",)),  # type: ignore[arg-type]
)
MODELS: Table = t.Model.__table__  # type: ignore[assignment]
VERSIONS: Table = t.CatalogVersion.__table__  # type: ignore[assignment]
PRICES: Table = t.Price.__table__  # type: ignore[assignment]

ChildRows = dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]
"""``table name -> key -> values`` for one model."""


@dataclass(frozen=True)
class LatestVersion:
    """The newest stored version of a provider."""

    id: int
    version: int
    fetched_at: datetime
    content_hash: str


@dataclass(frozen=True)
class StoreResult:
    """What ``store_catalog`` did."""

    status: Literal["succeeded", "unchanged"]
    version_id: int | None
    version: int | None
    model_count: int
    added: int = 0
    removed: int = 0
    changed: int = 0
    prices_changed: int = 0


@dataclass(frozen=True)
class _Stamp:
    provider_id: int
    version_id: int
    at: datetime


def latest_version(conn: Connection, provider_id: int) -> LatestVersion | None:
    """The newest catalog version of a provider, if any."""
    row = conn.execute(
        select(VERSIONS.c.id, VERSIONS.c.version, VERSIONS.c.fetched_at, VERSIONS.c.content_hash)
        .where(VERSIONS.c.provider_id == provider_id)
        .order_by(VERSIONS.c.version.desc())
        .limit(1)
    ).one_or_none()
    return LatestVersion(*row) if row else None


def store_catalog(
    conn: Connection,
    provider_id: int,
    catalog: Catalog,
    raw: bytes,
    *,
    observed_at: datetime,
    recorded_at: datetime,
    source: str,
    max_removal_fraction: float,
    allow_mass_removal: bool = False,
) -> StoreResult:
    """Store ``catalog`` as a new version when its content changed; see the module docstring."""
    hashes = {m.model_id: m.content_hash() for m in catalog.models}
    content_hash = hash_model_hashes(hashes.items())
    latest = latest_version(conn, provider_id)
    if latest and observed_at < latest.fetched_at:
        raise ImportOrderError(catalog.provider, observed_at, latest.fetched_at)
    if latest and latest.content_hash == content_hash:
        return StoreResult("unchanged", latest.id, latest.version, len(hashes))

    current = {
        model_id: (row_id, digest)
        for model_id, row_id, digest in conn.execute(
            select(MODELS.c.model_id, MODELS.c.id, MODELS.c.content_hash).where(
                MODELS.c.provider_id == provider_id, MODELS.c.valid_to.is_(None)
            )
        )
    }
    changes = classify_models({m: h for m, (_, h) in current.items()}, hashes)
    if not allow_mass_removal and removal_exceeds(
        len(changes.removed), len(current), max_removal_fraction
    ):
        raise MassRemovalError(
            catalog.provider, len(changes.removed), len(current), max_removal_fraction
        )

    version = (latest.version if latest else 0) + 1
    version_id = conn.execute(
        insert(VERSIONS).returning(VERSIONS.c.id),
        {
            "provider_id": provider_id,
            "version": version,
            "fetched_at": observed_at,
            "recorded_at": recorded_at,
            "content_hash": content_hash,
            "upstream_version": catalog.upstream_version,
            "model_count": len(hashes),
            "source": source,
            "raw_encoding": "zlib",
            "raw_payload": zlib.compress(raw, 6),
        },
    ).scalar_one()
    stamp = _Stamp(provider_id, version_id, observed_at)
    models = catalog.by_id()
    touched = [models[m] for m in (*changes.added, *changes.changed)]
    format_ids = _ensure_formats(conn, _formats_of(touched))
    new_rows = {m.model_id: child_rows(m, format_ids) for m in touched}
    old_rows = _load_children(conn, provider_id, changes.changed)

    prices_changed = 0
    closes: dict[str, list[int]] = {spec.table.name: [] for spec in CHILD_SPECS}
    opens: dict[str, list[dict[str, Any]]] = {spec.table.name: [] for spec in CHILD_SPECS}
    for model_id in changes.changed:
        for spec in CHILD_SPECS:
            old = old_rows.get(model_id, {}).get(spec.table.name, {})
            new = new_rows[model_id][spec.table.name]
            delta = diff_keyed({k: v for k, (_, v) in old.items()}, new)
            closes[spec.table.name].extend(old[k][0] for k in delta.closed)
            opens[spec.table.name].extend(
                _row(spec, model_id, k, new[k], stamp) for k in delta.opened
            )
            if spec.table is PRICES:
                prices_changed += len(delta.touched)
    for model_id in changes.added:
        for spec in CHILD_SPECS:
            new = new_rows[model_id][spec.table.name]
            opens[spec.table.name].extend(_row(spec, model_id, k, v, stamp) for k, v in new.items())
        prices_changed += len(models[model_id].prices)

    # Close first: the partial unique indexes allow one open row per key at a time.
    _close_ids(conn, MODELS, [current[m][0] for m in (*changes.changed, *changes.removed)], stamp)
    for spec in CHILD_SPECS:
        _close_ids(conn, spec.table, closes[spec.table.name], stamp)
        prices_changed += _close_models(
            conn, spec.table, changes.removed, stamp, count=spec.table is PRICES
        )
    _insert(conn, MODELS, [_model_row(m, hashes[m.model_id], stamp) for m in touched])
    for spec in CHILD_SPECS:
        _insert(conn, spec.table, opens[spec.table.name])

    return StoreResult(
        "succeeded",
        version_id,
        version,
        len(hashes),
        added=len(changes.added),
        removed=len(changes.removed),
        changed=len(changes.changed),
        prices_changed=prices_changed,
    )


def child_rows(model: Model, format_ids: Mapping[Format, int]) -> ChildRows:
    """A model as the rows of its child tables, keyed as ``CHILD_SPECS`` says."""
    return {
        "model_inputs": {
            (i.input_id,): (i.description, i.required, dumps_canonical(list(i.task_fields)))
            for i in model.inputs
        },
        "model_input_formats": {
            (i.input_id, format_ids[f]): () for i in model.inputs for f in i.formats
        },
        "model_output_formats": {(format_ids[f],): () for f in model.output_formats},
        "prices": {p.key: (p.amount,) for p in model.prices},
        "model_attributes": {
            (name,): (dumps_canonical(value),) for name, value in model.attributes.items()
        },
    }


def _formats_of(models: Iterable[Model]) -> set[Format]:
    found: set[Format] = set()
    for model in models:
        found.update(model.output_formats)
        for model_input in model.inputs:
            found.update(model_input.formats)
    return found


def _ensure_formats(conn: Connection, wanted: set[Format]) -> dict[Format, int]:
    """Ids of ``wanted`` formats, inserting the ones never seen before."""
    table: Table = t.Format.__table__  # type: ignore[assignment]
    known = {
        Format(kind, name): format_id
        for format_id, kind, name in conn.execute(select(table.c.id, table.c.kind, table.c.name))
    }
    missing = sorted(wanted - set(known))
    if missing:
        _insert(conn, table, [{"kind": f.kind, "name": f.name} for f in missing])
        return _ensure_formats(conn, wanted)
    return known


def _load_children(
    conn: Connection, provider_id: int, model_ids: Sequence[str]
) -> dict[str, dict[str, dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]]]]:
    """Current child rows of ``model_ids``: ``model -> table -> key -> (row id, values)``."""
    found: dict[str, dict[str, dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]]]] = {}
    for spec in CHILD_SPECS:
        cols = [spec.table.c[c] for c in (*spec.keys, *spec.values)]
        for chunk in _chunks(model_ids):
            query = select(spec.table.c.model_id, spec.table.c.id, *cols).where(
                spec.table.c.provider_id == provider_id,
                spec.table.c.model_id.in_(chunk),
                spec.table.c.valid_to.is_(None),
            )
            for row in conn.execute(query):
                model_id, row_id, *rest = row
                key = tuple(rest[: len(spec.keys)])
                values = tuple(rest[len(spec.keys) :])
                found.setdefault(model_id, {}).setdefault(spec.table.name, {})[key] = (
                    row_id,
                    values,
                )
    return found


def _row(
    spec: ChildSpec, model_id: str, key: tuple[Any, ...], values: tuple[Any, ...], stamp: _Stamp
) -> dict[str, Any]:
    row = dict(zip(spec.keys, key, strict=True)) | dict(zip(spec.values, values, strict=True))
    return row | _opened(model_id, stamp)


def _model_row(model: Model, digest: str, stamp: _Stamp) -> dict[str, Any]:
    return {
        "name": model.name,
        "category": model.category,
        "description": model.description,
        "access": model.access,
        "content_hash": digest,
    } | _opened(model.model_id, stamp)


def _opened(model_id: str, stamp: _Stamp) -> dict[str, Any]:
    return {
        "provider_id": stamp.provider_id,
        "model_id": model_id,
        "valid_from": stamp.at,
        "valid_to": None,
        "opened_in_version_id": stamp.version_id,
        "closed_in_version_id": None,
    }


def _close_ids(conn: Connection, table: Table, ids: Sequence[int], stamp: _Stamp) -> None:
    for chunk in _chunks(ids):
        conn.execute(
            update(table)
            .where(table.c.id.in_(chunk))
            .values(valid_to=stamp.at, closed_in_version_id=stamp.version_id)
        )


def _close_models(
    conn: Connection, table: Table, model_ids: Sequence[str], stamp: _Stamp, *, count: bool
) -> int:
    """Close every open row of ``model_ids`` in ``table``; return how many when ``count``."""
    closed = 0
    for chunk in _chunks(model_ids):
        result = conn.execute(
            update(table)
            .where(
                table.c.provider_id == stamp.provider_id,
                table.c.model_id.in_(chunk),
                table.c.valid_to.is_(None),
            )
            .values(valid_to=stamp.at, closed_in_version_id=stamp.version_id)
        )
        closed += result.rowcount if count else 0
    return closed


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table), rows)


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
