"""Formats as id lists on their input and model rows; per-format tables become views

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:00:00

``model_input_formats`` and ``model_output_formats`` held one history row per (input,
format): about 25 rows per model, most of what a catalog wrote. An input row now holds
its formats as a canonical JSON list of ``formats.id`` (``model_inputs.format_ids``), and a
model row its output formats (``models.output_format_ids``). Views of the old names give
one row per format with the same columns, so analysts' queries keep working.

History is converted exactly. A model row already closed whenever its output formats
changed, so its list is the set open when it opened. An input row did not close when
only its formats changed, so each input row is split at every version where its formats
changed; each piece has one format list, and the pieces' ranges meet exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC as UTC_ZONE
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; naive datetimes are refused, not guessed.

    A frozen copy of ``catalogsync.db.types.UTCDateTime`` as it was when this revision was
    written: a migration never imports the package, so editing the package cannot change
    history. Never edit it.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: catalogsync stores UTC times only")
        value = value.astimezone(UTC_ZONE)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw text from a view column on SQLite
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC_ZONE)
        return value.astimezone(UTC_ZONE)


Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = UTCDateTime(timezone=True)

CURRENT_FORMATS = """
        SELECT p.slug AS provider, mif.model_id, 'input' AS direction, mif.input_id,
               f.kind, f.name
          FROM model_input_formats mif
          JOIN providers p ON p.id = mif.provider_id
          JOIN formats f ON f.id = mif.format_id
         WHERE mif.valid_to IS NULL
        UNION ALL
        SELECT p.slug, mof.model_id, 'output', NULL, f.kind, f.name
          FROM model_output_formats mof
          JOIN providers p ON p.id = mof.provider_id
          JOIN formats f ON f.id = mof.format_id
         WHERE mof.valid_to IS NULL
"""

# One row per element of a JSON id list: json_each on SQLite, a lateral set-returning
# function on PostgreSQL. The columns are those of the tables they replace.
_EACH = {
    "sqlite": "json_each({column}) AS f",
    "postgresql": "LATERAL json_array_elements_text(CAST({column} AS json)) AS f(value)",
}
_HISTORY = "valid_from, {t}.valid_to, {t}.opened_in_version_id, {t}.closed_in_version_id"


def _views(dialect: str) -> dict[str, str]:
    each = _EACH[dialect]
    return {
        "model_input_formats": f"""
        SELECT mi.provider_id, mi.model_id, mi.input_id,
               CAST(f.value AS INTEGER) AS format_id,
               mi.{_HISTORY.format(t="mi")}
          FROM model_inputs mi
         CROSS JOIN {each.format(column="mi.format_ids")}
    """,
        "model_output_formats": f"""
        SELECT m.provider_id, m.model_id,
               CAST(f.value AS INTEGER) AS format_id,
               m.{_HISTORY.format(t="m")}
          FROM models m
         CROSS JOIN {each.format(column="m.output_format_ids")}
    """,
    }


def _id_list(ids: Any) -> str:
    return "[" + ",".join(str(i) for i in sorted(set(ids))) + "]"


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS current_formats")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("output_format_ids", sa.Text(), nullable=True))
    with op.batch_alter_table("model_inputs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format_ids", sa.Text(), nullable=True))

    conn = op.get_bind()
    for (provider_id,) in conn.execute(sa.text("SELECT id FROM providers")).all():
        _convert_outputs(conn, provider_id)
        _convert_inputs(conn, provider_id)

    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.alter_column("output_format_ids", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("model_inputs", schema=None) as batch_op:
        batch_op.alter_column("format_ids", existing_type=sa.Text(), nullable=False)
    op.drop_table("model_input_formats")
    op.drop_table("model_output_formats")
    for name, sql in _views(conn.dialect.name).items():
        op.execute(f"CREATE VIEW {name} AS {sql}")
    op.execute(f"CREATE VIEW current_formats AS {CURRENT_FORMATS}")


def _open_at(rows: list[tuple[int, int | None, int]], version_id: int) -> list[int]:
    """Format ids of ``(opened, closed, format_id)`` rows that were open at ``version_id``."""
    return [
        f
        for opened, closed, f in rows
        if opened <= version_id and (closed is None or closed > version_id)
    ]


def _convert_outputs(conn: sa.Connection, provider_id: int) -> None:
    outputs: dict[str, list[tuple[int, int | None, int]]] = defaultdict(list)
    for model_id, opened, closed, format_id in conn.execute(
        sa.text(
            "SELECT model_id, opened_in_version_id, closed_in_version_id, format_id"
            " FROM model_output_formats WHERE provider_id = :p"
        ),
        {"p": provider_id},
    ):
        outputs[model_id].append((opened, closed, format_id))
    updates = [
        {"id": row_id, "ids": _id_list(_open_at(outputs[model_id], opened))}
        for row_id, model_id, opened in conn.execute(
            sa.text("SELECT id, model_id, opened_in_version_id FROM models WHERE provider_id = :p"),
            {"p": provider_id},
        )
    ]
    if updates:
        conn.execute(sa.text("UPDATE models SET output_format_ids = :ids WHERE id = :id"), updates)


def _convert_inputs(conn: sa.Connection, provider_id: int) -> None:
    fetched: dict[int, datetime] = dict(
        conn.execute(
            sa.select(sa.column("id"), sa.column("fetched_at", UTC))
            .select_from(sa.table("catalog_versions"))
            .where(sa.column("provider_id") == provider_id)
        ).all()
    )
    formats: dict[tuple[str, str], list[tuple[int, int | None, int]]] = defaultdict(list)
    for model_id, input_id, opened, closed, format_id in conn.execute(
        sa.text(
            "SELECT model_id, input_id, opened_in_version_id, closed_in_version_id, format_id"
            " FROM model_input_formats WHERE provider_id = :p"
        ),
        {"p": provider_id},
    ):
        formats[(model_id, input_id)].append((opened, closed, format_id))

    columns = ("model_id", "input_id", "description", "required", "task_fields")
    inputs = conn.execute(
        sa.text(
            f"SELECT id, opened_in_version_id, closed_in_version_id, {', '.join(columns)}"
            " FROM model_inputs WHERE provider_id = :p"
        ),
        {"p": provider_id},
    ).all()
    updates: list[dict[str, Any]] = []
    pieces: list[dict[str, Any]] = []
    for row_id, opened, closed, *values in inputs:
        rows = formats[(values[0], values[1])]
        # Versions inside this row's range where one of its formats came or went.
        cuts = {
            v
            for o, c, _ in rows
            for v in (o, c)
            if v is not None and v > opened and (closed is None or v < closed)
        }
        starts = [opened, *sorted(cuts)]
        lists = [_id_list(_open_at(rows, start)) for start in starts]
        # Neighbours with the same list stay one piece.
        kept = [i for i in range(len(starts)) if i == 0 or lists[i] != lists[i - 1]]
        bounds = [starts[i] for i in kept]
        ends = [*bounds[1:], closed]
        updates.append(
            {
                "row_id": row_id,
                "ids": lists[kept[0]],
                "closed": ends[0],
                "valid_to": None if ends[0] is None else fetched[ends[0]],
            }
        )
        for index, start, end in zip(kept[1:], bounds[1:], ends[1:], strict=True):
            pieces.append(
                dict(zip(columns, values, strict=True))
                | {
                    "provider_id": provider_id,
                    "format_ids": lists[index],
                    "opened_in_version_id": start,
                    "valid_from": fetched[start],
                    "closed_in_version_id": end,
                    "valid_to": None if end is None else fetched[end],
                }
            )
    if updates:
        conn.execute(
            sa.update(_INPUTS)
            .where(_INPUTS.c.id == sa.bindparam("row_id"))
            .values(
                format_ids=sa.bindparam("ids"),
                closed_in_version_id=sa.bindparam("closed"),
                valid_to=sa.bindparam("valid_to"),
            ),
            updates,
        )
    if pieces:
        conn.execute(sa.insert(_INPUTS), pieces)


_INPUTS = sa.table(
    "model_inputs",
    sa.column("id", Id),
    sa.column("provider_id", Id),
    sa.column("model_id", sa.String),
    sa.column("input_id", sa.String),
    sa.column("description", sa.Text),
    sa.column("required", sa.Boolean),
    sa.column("task_fields", sa.Text),
    sa.column("format_ids", sa.Text),
    sa.column("valid_from", UTC),
    sa.column("valid_to", UTC),
    sa.column("opened_in_version_id", Id),
    sa.column("closed_in_version_id", Id),
)


def downgrade() -> None:
    conn = op.get_bind()
    saved = {
        name: [dict(row) for row in conn.execute(sa.text(f"SELECT * FROM {name}")).mappings()]
        for name in ("model_input_formats", "model_output_formats")
    }
    for name in ("current_formats", "model_input_formats", "model_output_formats"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name, keys in (
        ("model_input_formats", ("input_id", "format_id")),
        ("model_output_formats", ("format_id",)),
    ):
        op.create_table(
            name,
            sa.Column("id", Id, nullable=False),
            sa.Column("provider_id", Id, nullable=False),
            sa.Column("model_id", sa.String(length=255), nullable=False),
            *(
                sa.Column("input_id", sa.String(length=255), nullable=False)
                for key in keys
                if key == "input_id"
            ),
            sa.Column("format_id", Id, nullable=False),
            sa.Column("valid_from", UTC, nullable=False),
            sa.Column("valid_to", UTC, nullable=True),
            sa.Column("opened_in_version_id", Id, nullable=False),
            sa.Column("closed_in_version_id", Id, nullable=True),
            sa.ForeignKeyConstraint(
                ["closed_in_version_id"],
                ["catalog_versions.id"],
                name=op.f(f"fk_{name}_closed_in_version_id_catalog_versions"),
            ),
            sa.ForeignKeyConstraint(
                ["format_id"], ["formats.id"], name=op.f(f"fk_{name}_format_id_formats")
            ),
            sa.ForeignKeyConstraint(
                ["opened_in_version_id"],
                ["catalog_versions.id"],
                name=op.f(f"fk_{name}_opened_in_version_id_catalog_versions"),
            ),
            sa.ForeignKeyConstraint(
                ["provider_id"], ["providers.id"], name=op.f(f"fk_{name}_provider_id_providers")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(
                f"ix_{name}_model", ["provider_id", "model_id", "valid_from"], unique=False
            )
            batch_op.create_index(
                f"uq_{name}_current",
                ["provider_id", "model_id", *keys],
                unique=True,
                postgresql_where=sa.text("valid_to IS NULL"),
                sqlite_where=sa.text("valid_to IS NULL"),
            )
        if saved[name]:  # values as the views read them: no type conversion either way
            columns = list(saved[name][0])
            conn.execute(
                sa.text(
                    f"INSERT INTO {name} ({', '.join(columns)})"
                    f" VALUES ({', '.join(':' + c for c in columns)})"
                ),
                saved[name],
            )
    with op.batch_alter_table("model_inputs", schema=None) as batch_op:
        batch_op.drop_column("format_ids")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_column("output_format_ids")
    op.execute(f"CREATE VIEW current_formats AS {CURRENT_FORMATS}")
