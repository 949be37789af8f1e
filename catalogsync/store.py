"""Writing: the one module that changes catalog versions and the history tables.

``store_catalog`` writes a new catalog in the caller's transaction:

1. the catalog hash equals the newest version's: nothing to write (``unchanged``);
2. otherwise the current model rows (id and content hash only) say which models were
   added, removed or changed; only the changed models' child rows are read (a provider's
   first version has nothing to compare: every model is added);
3. rows that stop being true are closed (``valid_to``, ``closed_in_version_id``) and new
   rows opened, in batches. Nothing is updated otherwise, nothing is deleted.

Every row is dated by the observed time of its version (the fetch time, or the
``--observed-at`` of an import), so backfilled archives get their true dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Table, func, insert, select, update

from catalogsync.catalog import Catalog, Format, Model, hash_model_hashes
from catalogsync.codec import dumps_canonical
from catalogsync.db import models as t
from catalogsync.db.bulk import Batch, chunks, insert_all, insert_rows
from catalogsync.diff import ModelChanges, classify_models, diff_keyed, removal_exceeds
from catalogsync.errors import ImportOrderError, MassRemovalError
from catalogsync.payloads import ENCODING, compressing

RowBuilder = Callable[[Sequence[Model], Mapping[Format, int]], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class ChildSpec:
    """How one child table is keyed (the columns that identify a row and those it holds),
    and how models become its rows."""

    table: Table
    keys: tuple[str, ...]
    values: tuple[str, ...]
    rows: RowBuilder
    """``rows(models, format_ids)``: the rows of ``models`` in this table, as ``columns``."""

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of the rows ``rows`` gives, in order: model id, keys, values."""
        return ("model_id", *self.keys, *self.values)


def _price_rows(models: Sequence[Model], format_ids: Mapping[Format, int]) -> list[tuple[Any, ...]]:
    return [
        (m.model_id, p.price_type, p.variant, p.unit, p.amount) for m in models for p in m.prices
    ]


def _attribute_rows(
    models: Sequence[Model], format_ids: Mapping[Format, int]
) -> list[tuple[Any, ...]]:
    return [
        (m.model_id, name, dumps_canonical(value))
        for m in models
        for name, value in m.attributes.items()
    ]


def _input_rows(models: Sequence[Model], format_ids: Mapping[Format, int]) -> list[tuple[Any, ...]]:
    return [
        (
            m.model_id,
            i.input_id,
            i.description,
            i.required,
            dumps_canonical(list(i.task_fields)),
            format_id_list(i.formats, format_ids),
        )
        for m in models
        for i in m.inputs
    ]


# Cheapest rows first: on PostgreSQL the server takes in one table while the next is built.
CHILD_SPECS = (
    ChildSpec(t.prices, ("price_type", "variant", "unit"), ("amount",), _price_rows),
    ChildSpec(t.model_attributes, ("name",), ("value",), _attribute_rows),
    ChildSpec(
        t.model_inputs,
        ("input_id",),
        ("description", "required", "task_fields", "format_ids"),
        _input_rows,
    ),
)
MODELS: Table = t.models
MODEL_COLUMNS = (
    "model_id",
    "name",
    "category",
    "description",
    "access",
    "output_format_ids",
    "content_hash",
)
VERSIONS: Table = t.catalog_versions
PRICES: Table = t.prices


@dataclass(frozen=True)
class LatestVersion:
    """The newest stored version of a provider."""

    id: int
    version: int
    fetched_at: datetime
    content_hash: str
    raw_hash: str | None
    model_count: int


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
        select(
            VERSIONS.c.id,
            VERSIONS.c.version,
            VERSIONS.c.fetched_at,
            VERSIONS.c.content_hash,
            VERSIONS.c.raw_hash,
            VERSIONS.c.model_count,
        )
        .where(VERSIONS.c.provider_id == provider_id)
        .order_by(VERSIONS.c.version.desc())
        .limit(1)
    ).one_or_none()
    return LatestVersion(*row) if row else None


def unchanged_payload(
    conn: Connection, provider_id: int, raw_hash: str, observed_at: datetime
) -> StoreResult | None:
    """``unchanged`` when the newest version was stored from the very same bytes, else ``None``."""
    latest = latest_version(conn, provider_id)
    if latest is None or latest.raw_hash != raw_hash or observed_at < latest.fetched_at:
        return None
    return StoreResult("unchanged", latest.id, latest.version, latest.model_count)


def store_catalog(
    conn: Connection,
    provider_id: int,
    catalog: Catalog,
    raw: bytes,
    *,
    raw_hash: str | None = None,
    observed_at: datetime,
    recorded_at: datetime,
    source: str,
    max_removal_fraction: float,
    allow_mass_removal: bool = False,
) -> StoreResult:
    """Store ``catalog`` as a new version when its content changed; see the module docstring."""
    # Compressed on a thread while the models are hashed: zlib lets go of the GIL. (Should
    # the catalog prove unchanged, the thread's work is simply dropped.)
    compressed = compressing(raw)
    latest = latest_version(conn, provider_id)
    if latest and observed_at < latest.fetched_at:
        raise ImportOrderError(catalog.provider, observed_at, latest.fetched_at)
    current: dict[str, tuple[int, str]] = {}
    content_hash: str | None = None  # known here unless this is the first version
    if latest is None:
        # A provider's first version: every model is new and nothing is compared, so the
        # models are hashed when their rows are written (on PostgreSQL, while the server
        # takes in their children).
        changes = ModelChanges(added=tuple(m.model_id for m in catalog.models))
    else:
        hashes = {m.model_id: m.content_hash() for m in catalog.models}
        content_hash = hash_model_hashes(hashes.items())
        if latest.content_hash == content_hash:
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

    models = catalog.by_id()
    added = [models[m] for m in changes.added]
    touched = [*added, *(models[m] for m in changes.changed)]
    format_ids = _ensure_formats(conn, _formats_of(touched))
    closes, reopened, prices_changed = _diff_children(
        _load_children(conn, provider_id, changes.changed),
        child_rows([models[m] for m in changes.changed], format_ids),
    )
    prices_changed += sum(len(m.prices) for m in added)

    version = (latest.version if latest else 0) + 1

    def insert_version(version_id: int | None) -> int:
        digest = content_hash or hash_model_hashes(
            (m.model_id, m.content_hash()) for m in catalog.models
        )
        row = {
            "provider_id": provider_id,
            "version": version,
            "fetched_at": observed_at,
            "recorded_at": recorded_at,
            "content_hash": digest,
            "upstream_version": catalog.upstream_version,
            "model_count": len(catalog.models),
            "source": source,
            "raw_encoding": ENCODING,
            "raw_payload": compressed(),
            "raw_hash": raw_hash,
        }
        if version_id is not None:
            row["id"] = version_id
        return int(conn.execute(insert(VERSIONS).returning(VERSIONS.c.id), row).scalar_one())

    # On PostgreSQL the version's id is taken from its sequence and the row written last,
    # once the models are hashed; SQLite writes the row first to learn its id. Either way
    # nothing is visible before the commit.
    reserved = _reserve_id(conn, VERSIONS)
    version_id = insert_version(None) if reserved is None else reserved
    stamp = _Stamp(provider_id, version_id, observed_at)

    # Close first: the partial unique indexes allow one open row per key at a time.
    _close_ids(conn, MODELS, [current[m][0] for m in (*changes.changed, *changes.removed)], stamp)
    for spec in CHILD_SPECS:
        _close_ids(conn, spec.table, closes[spec.table.name], stamp)
        prices_changed += _close_models(
            conn, spec.table, changes.removed, stamp, count=spec.table is PRICES
        )
    opened = {
        "provider_id": stamp.provider_id,
        "valid_from": stamp.at,
        "opened_in_version_id": stamp.version_id,
    }

    def new_rows() -> Iterator[Batch]:
        # A generator: on PostgreSQL each table's rows are built, and the models hashed,
        # while the server is still taking in the previous table's (``_insert_all``).
        for spec in CHILD_SPECS:
            yield spec.table, spec.columns, reopened[spec.table.name] + spec.rows(added, format_ids)
        yield (
            MODELS,
            MODEL_COLUMNS,
            [
                (
                    m.model_id,
                    m.name,
                    m.category,
                    m.description,
                    m.access,
                    format_id_list(m.output_formats, format_ids),
                    m.content_hash(),
                )
                for m in touched
            ],
        )

    insert_all(conn, new_rows(), opened)
    if reserved is not None:
        insert_version(reserved)
    _refresh_statistics(conn)

    return StoreResult(
        "succeeded",
        version_id,
        version,
        len(catalog.models),
        added=len(changes.added),
        removed=len(changes.removed),
        changed=len(changes.changed),
        prices_changed=prices_changed,
    )


def _reserve_id(conn: Connection, table: Table) -> int | None:
    """A new id from ``table``'s sequence on PostgreSQL (``None`` on SQLite, which has none)."""
    if conn.dialect.name != "postgresql":
        return None
    sequence = func.pg_get_serial_sequence(table.name, "id")
    return int(conn.execute(select(func.nextval(sequence))).scalar_one())


def _refresh_statistics(conn: Connection) -> None:
    """Keep SQLite's planner statistics current (PostgreSQL's autovacuum does it there).

    Without statistics SQLite breaks ties between indexes by the order they were created
    in, and can read a whole history table where a version or current-rows index serves.
    ``PRAGMA optimize`` analyses only the tables that need it; ``analysis_limit`` makes
    ANALYZE sample rather than read them: milliseconds, however long the history.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("PRAGMA optimize")


def child_rows(
    models: Sequence[Model], format_ids: Mapping[Format, int]
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of ``models`` in each child table: model id, key columns, value columns."""
    return {spec.table.name: spec.rows(models, format_ids) for spec in CHILD_SPECS}


def _diff_children(
    old_rows: Mapping[str, Mapping[str, Mapping[tuple[Any, ...], tuple[int, tuple[Any, ...]]]]],
    new_rows: Mapping[str, list[tuple[Any, ...]]],
) -> tuple[dict[str, list[int]], dict[str, list[tuple[Any, ...]]], int]:
    """Compare changed models' stored child rows (``_load_children``) with their new rows
    (``child_rows``): the ids of rows to close and the rows to open, per table, and how many
    prices that touches."""
    closes: dict[str, list[int]] = {}
    opens: dict[str, list[tuple[Any, ...]]] = {}
    prices_changed = 0
    for spec in CHILD_SPECS:
        name, width = spec.table.name, 1 + len(spec.keys)
        new_by_model: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
        for row in new_rows[name]:
            new_by_model.setdefault(row[0], {})[row[1:width]] = row
        closes[name], opens[name] = [], []
        for model_id in sorted(old_rows.keys() | new_by_model.keys()):
            old = old_rows.get(model_id, {}).get(name, {})
            new = new_by_model.get(model_id, {})
            delta = diff_keyed(
                {k: v for k, (_, v) in old.items()}, {k: row[width:] for k, row in new.items()}
            )
            closes[name].extend(old[k][0] for k in delta.closed)
            opens[name].extend(new[k] for k in delta.opened)
            if spec.table is PRICES:
                prices_changed += len(delta.touched)
    return closes, opens, prices_changed


def format_id_list(formats: Iterable[Format], format_ids: Mapping[Format, int]) -> str:
    """``formats`` as stored: the canonical JSON list of their ids, ascending (``[3,7,12]``)."""
    return "[" + ",".join(map(str, sorted(map(format_ids.__getitem__, formats)))) + "]"


def _formats_of(models: Iterable[Model]) -> set[Format]:
    found: set[Format] = set()
    for model in models:
        found.update(model.output_formats)
        for model_input in model.inputs:
            found.update(model_input.formats)
    return found


def _ensure_formats(conn: Connection, wanted: set[Format]) -> dict[Format, int]:
    """Ids of ``wanted`` formats, inserting the ones never seen before."""
    table: Table = t.formats
    known = {
        Format(kind, name): format_id
        for format_id, kind, name in conn.execute(select(table.c.id, table.c.kind, table.c.name))
    }
    missing = sorted(wanted - set(known))
    if missing:
        insert_rows(conn, table, ("kind", "name"), [(f.kind, f.name) for f in missing])
        return _ensure_formats(conn, wanted)
    return known


def _load_children(
    conn: Connection, provider_id: int, model_ids: Sequence[str]
) -> dict[str, dict[str, dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]]]]:
    """Current child rows of ``model_ids``: ``model -> table -> key -> (row id, values)``."""
    found: dict[str, dict[str, dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]]]] = {}
    for spec in CHILD_SPECS:
        cols = [spec.table.c[c] for c in (*spec.keys, *spec.values)]
        for chunk in chunks(model_ids):
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


def _close_ids(conn: Connection, table: Table, ids: Sequence[int], stamp: _Stamp) -> None:
    for chunk in chunks(ids):
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
    for chunk in chunks(model_ids):
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
