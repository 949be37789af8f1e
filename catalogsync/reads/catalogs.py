"""Catalogs rebuilt from the history tables: the current one, or as it stood at a version.

A catalog "as of version N" is the set of rows opened in a version up to N and not
closed by N. Version ids grow with version numbers within a provider, so the test is a
comparison of ids, without a join.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, or_, select

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.codec import loads_exact
from catalogsync.db import models as t
from catalogsync.db.bulk import chunks
from catalogsync.keys import PRICE
from catalogsync.reads.versions import PROVIDERS, VersionRow

FORMATS: Table = t.formats


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
        return [
            row
            for ids in chunks(sorted(only))
            for row in conn.execute(query.where(table.c.model_id.in_(ids)))
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
    for model_id, *point in rows(t.prices, *PRICE.fields, *PRICE.values):
        prices[model_id].append(Price(**dict(zip(PRICE.columns[1:], point, strict=True))))
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
