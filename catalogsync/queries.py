"""Reading: queries that return rows or canonical catalogs rebuilt from the history tables.

A catalog "as of version N" is the set of rows opened in a version up to N and not
closed by N. Version ids grow with version numbers within a provider, so the test is a
comparison of ids, without a join.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.codec import loads_exact
from catalogsync.db import models as t

VERSIONS: Table = t.catalog_versions
PROVIDERS: Table = t.providers
FORMATS: Table = t.formats


@dataclass(frozen=True)
class VersionRow:
    """One stored catalog version."""

    provider: str
    version: int
    fetched_at: datetime
    content_hash: str
    upstream_version: str | None
    model_count: int
    source: str
    id: int


def list_versions(conn: Connection, provider: str | None = None) -> list[VersionRow]:
    """Every catalog version, oldest first per provider."""
    query = (
        select(
            PROVIDERS.c.slug,
            VERSIONS.c.version,
            VERSIONS.c.fetched_at,
            VERSIONS.c.content_hash,
            VERSIONS.c.upstream_version,
            VERSIONS.c.model_count,
            VERSIONS.c.source,
            VERSIONS.c.id,
        )
        .join(PROVIDERS, PROVIDERS.c.id == VERSIONS.c.provider_id)
        .order_by(PROVIDERS.c.slug, VERSIONS.c.version)
    )
    if provider:
        query = query.where(PROVIDERS.c.slug == provider)
    return [VersionRow(*row) for row in conn.execute(query)]


def find_version(conn: Connection, provider: str, version: int | None = None) -> VersionRow | None:
    """Version ``version`` of ``provider`` (the newest when ``None``)."""
    rows = list_versions(conn, provider)
    if version is None:
        return rows[-1] if rows else None
    return next((r for r in rows if r.version == version), None)


def version_as_of(conn: Connection, provider: str, at: datetime) -> VersionRow | None:
    """The version of ``provider`` that was current at ``at`` (the newest fetched by then)."""
    rows = [r for r in list_versions(conn, provider) if r.fetched_at <= at]
    return rows[-1] if rows else None


def table_counts(conn: Connection) -> dict[str, int]:
    """Row counts of every table, for the demo's summary."""
    return {
        table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in t.metadata.sorted_tables
    }


def changed_model_ids(conn: Connection, old: VersionRow, new: VersionRow) -> set[str]:
    """Ids of the models that differ between two versions of one provider.

    Any change to a model, its children included, closes its ``models`` row and opens a
    new one, so the models rows opened or closed by the versions in between say it all.
    """
    models: Table = t.models
    low, high = sorted((old.id, new.id))
    provider_id = select(PROVIDERS.c.id).where(PROVIDERS.c.slug == new.provider).scalar_subquery()
    query = select(models.c.model_id).where(
        models.c.provider_id == provider_id,
        or_(
            and_(models.c.opened_in_version_id > low, models.c.opened_in_version_id <= high),
            and_(models.c.closed_in_version_id > low, models.c.closed_in_version_id <= high),
        ),
    )
    return set(conn.execute(query).scalars())


def load_catalog(
    conn: Connection,
    provider: str,
    version: VersionRow | None = None,
    *,
    only: Collection[str] | None = None,
) -> Catalog:
    """Rebuild ``provider``'s catalog: the current one, or as it stood at ``version``.

    With ``only``, just those models (a partial catalog, for diffs).
    """
    provider_id = conn.execute(select(PROVIDERS.c.id).where(PROVIDERS.c.slug == provider)).scalar()
    if provider_id is None:
        return Catalog(provider, ())
    formats = {
        fid: Format(kind, name)
        for fid, kind, name in conn.execute(select(FORMATS.c.id, FORMATS.c.kind, FORMATS.c.name))
    }

    def rows(table: Table, *columns: str) -> list[Any]:
        query = select(table.c.model_id, *(table.c[c] for c in columns)).where(
            table.c.provider_id == provider_id, _valid_at(table, version)
        )
        if only is None:
            return list(conn.execute(query))
        wanted = sorted(only)
        return [
            row
            for start in range(0, len(wanted), 500)
            for row in conn.execute(query.where(table.c.model_id.in_(wanted[start : start + 500])))
        ]

    def format_set(id_list: str) -> frozenset[Format]:
        return frozenset(formats[i] for i in json.loads(id_list))

    inputs: dict[str, list[ModelInput]] = defaultdict(list)
    for model_id, input_id, description, required, task_fields, format_ids in rows(
        t.model_inputs, "input_id", "description", "required", "task_fields", "format_ids"
    ):
        inputs[model_id].append(
            ModelInput(
                input_id,
                description=description,
                required=required,
                task_fields=tuple(json.loads(task_fields)),
                formats=format_set(format_ids),
            )
        )
    prices: dict[str, list[Price]] = defaultdict(list)
    for model_id, price_type, variant, unit, amount in rows(
        t.prices, "price_type", "variant", "unit", "amount"
    ):
        prices[model_id].append(Price(price_type, variant, unit, Decimal(amount)))
    attributes: dict[str, dict[str, object]] = defaultdict(dict)
    for model_id, name, value in rows(t.model_attributes, "name", "value"):
        attributes[model_id][name] = loads_exact(value)

    models = [
        Model(
            model_id=model_id,
            name=name,
            category=category,
            description=description,
            access=access,
            inputs=tuple(inputs[model_id]),
            output_formats=format_set(output_format_ids),
            prices=tuple(prices[model_id]),
            attributes=attributes[model_id],
        )
        for model_id, name, category, description, access, output_format_ids in rows(
            t.models, "name", "category", "description", "access", "output_format_ids"
        )
    ]
    upstream = version.upstream_version if version else None
    return Catalog(provider, tuple(models), upstream)


def _valid_at(table: Table, version: VersionRow | None) -> ColumnElement[bool]:
    if version is None:
        return table.c.valid_to.is_(None)
    return and_(
        table.c.opened_in_version_id <= version.id,
        or_(table.c.closed_in_version_id.is_(None), table.c.closed_in_version_id > version.id),
    )
