"""Migrations: down and up again with data in the tables, and models that match them. Both databases."""

from __future__ import annotations

import ast
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import TableClause, column, insert, inspect, table, text

from catalogsync.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    migrations_dir,
    upgrade,
)
from catalogsync.db.models import metadata
from catalogsync.db.session import make_engine
from catalogsync.db.types import UTCDateTime
from catalogsync.reads.catalogs import load_catalog
from catalogsync.reads.versions import find_version
from tests.factories import audioshake_model, audioshake_payload
from tests.helpers import count, snapshot, store


def test_every_revision_goes_down_and_up_keeping_the_data(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine)
        store(
            engine,
            "audioshake",
            audioshake_payload(audioshake_model("bass"), audioshake_model("drums")),
        )
        store(
            engine,
            "audioshake",
            audioshake_payload(audioshake_model("bass", price=2)),
            day=1,
            allow_mass_removal=True,
        )
        before = snapshot(engine)
        revisions = [r.revision for r in ScriptDirectory(str(migrations_dir())).walk_revisions()]
        config = alembic_config(engine)
        for target in revisions[1:]:  # every revision below head, newest first
            command.downgrade(config, target)
            assert current_revision(engine) == target
            command.upgrade(config, "head")
            after = snapshot(engine)
            # Columns added later come back empty; everything that was there is still there.
            assert {t: len(rows) for t, rows in after.items()} == {
                t: len(rows) for t, rows in before.items()
            }
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert current_revision(engine) == head_revision()
        # The database still works after the round trip.
        assert (
            store(
                engine, "audioshake", audioshake_payload(audioshake_model("bass", price=3)), day=2
            ).status
            == "succeeded"
        )
        assert count(engine, "price_changes", "change = 'changed'") == 2
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert not inspect(engine).get_view_names()
    finally:
        engine.dispose()


def test_schema_revision_is_the_newest_migration():
    from catalogsync.db.migrate import SCHEMA_REVISION

    assert head_revision() == SCHEMA_REVISION, "update SCHEMA_REVISION in catalogsync/db/migrate.py"


def _old_table(name: str, *columns: str) -> TableClause:
    """A table of the 0004 schema, with the history columns every history table had."""
    history = ("valid_from", "valid_to", "opened_in_version_id", "closed_in_version_id")
    return table(
        name,
        *(
            column(
                c,
                UTCDateTime()
                if c.startswith(("valid_", "fetched_", "recorded_", "created_"))
                else None,
            )
            for c in (
                *columns,
                *(history if name not in ("providers", "formats", "catalog_versions") else ()),
            )
        ),
    )


def test_format_tables_become_id_lists_keeping_every_version(empty_database_url):
    """0005 turns per-format history rows into id lists, splitting input rows exactly.

    The input ``media`` stays open from version 1 while its formats change in versions 2
    and 3: after the upgrade it is three rows, and every version reads back as it was.
    """
    engine = make_engine(empty_database_url)
    try:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        days = {v: datetime(2026, 1, v, tzinfo=UTC) for v in (1, 2, 3)}
        with engine.begin() as conn:
            conn.execute(
                insert(_old_table("providers", "id", "slug", "created_at")),
                {"id": 1, "slug": "audioshake", "created_at": days[1]},
            )
            conn.execute(
                insert(_old_table("formats", "id", "kind", "name")),
                [
                    {"id": 1, "kind": "audio", "name": "wav"},
                    {"id": 2, "kind": "audio", "name": "mp3"},
                    {"id": 3, "kind": "audio", "name": "flac"},
                    {"id": 4, "kind": "text", "name": "json"},
                ],
            )
            versions = _old_table(
                "catalog_versions",
                *("id", "provider_id", "version", "fetched_at", "recorded_at", "content_hash"),
                *("model_count", "source", "raw_encoding", "raw_payload"),
            )
            conn.execute(
                insert(versions),
                [
                    {
                        "id": v,
                        "provider_id": 1,
                        "version": v,
                        "fetched_at": days[v],
                        "recorded_at": days[v],
                        "content_hash": f"h{v}",
                        "model_count": 1,
                        "source": "test",
                        "raw_encoding": "identity",
                        "raw_payload": b"{}",
                    }
                    for v in (1, 2, 3)
                ],
            )

            def rows(opened: int, closed: int | None, **values: object) -> dict[str, object]:
                return values | {
                    "provider_id": 1,
                    "model_id": "bass",
                    "opened_in_version_id": opened,
                    "closed_in_version_id": closed,
                    "valid_from": days[opened],
                    "valid_to": None if closed is None else days[closed],
                }

            model = _old_table("models", "provider_id", "model_id", "name", "content_hash")
            conn.execute(
                insert(model),
                [
                    rows(1, 3, name="Bass", content_hash="a"),
                    rows(3, None, name="Bass", content_hash="b"),
                ],
            )
            inputs = _old_table(
                "model_inputs", "provider_id", "model_id", "input_id", "description", "task_fields"
            )
            conn.execute(
                insert(inputs),
                [
                    rows(1, None, input_id="media", description="Audio", task_fields="[]"),
                    rows(1, 2, input_id="lyrics", description=None, task_fields="[]"),
                ],
            )
            conn.execute(
                insert(
                    _old_table(
                        "model_input_formats", "provider_id", "model_id", "input_id", "format_id"
                    )
                ),
                [
                    rows(1, None, input_id="media", format_id=1),  # wav throughout
                    rows(1, 2, input_id="media", format_id=2),  # mp3 gone in version 2
                    rows(3, None, input_id="media", format_id=3),  # flac from version 3
                    rows(1, 2, input_id="lyrics", format_id=4),
                ],
            )
            conn.execute(
                insert(_old_table("model_output_formats", "provider_id", "model_id", "format_id")),
                [rows(1, None, format_id=4), rows(3, None, format_id=1)],
            )

        command.upgrade(config, "head")

        with engine.connect() as conn:
            media = conn.execute(
                text(
                    "SELECT opened_in_version_id, closed_in_version_id, format_ids, description"
                    " FROM model_inputs WHERE input_id = 'media' ORDER BY opened_in_version_id"
                )
            ).all()
            assert [tuple(r) for r in media] == [
                (1, 2, "[1,2]", "Audio"),
                (2, 3, "[1]", "Audio"),
                (3, None, "[1,3]", "Audio"),
            ]
            expected = {
                1: ({"media": {"wav", "mp3"}, "lyrics": {"json"}}, {"json"}),
                2: ({"media": {"wav"}}, {"json"}),
                3: ({"media": {"wav", "flac"}}, {"json", "wav"}),
            }
            for number, (inputs_at, outputs_at) in expected.items():
                version = find_version(conn, "audioshake", number)
                (bass,) = load_catalog(conn, "audioshake", version).models
                assert {i.input_id: {f.name for f in i.formats} for i in bass.inputs} == inputs_at
                assert {f.name for f in bass.output_formats} == outputs_at
        # The views give the old tables' rows back, one per format.
        assert count(engine, "model_input_formats") == 6
        assert count(engine, "model_output_formats", "valid_to IS NULL") == 2
    finally:
        engine.dispose()


def _imports(source: str) -> set[str]:
    """Every module that an import statement anywhere in ``source`` names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update([node.module, *(f"{node.module}.{a.name}" for a in node.names)])
    return found


def test_revisions_carry_their_own_column_types():
    """No revision imports ``catalogsync`` (``catalogsync.db.types`` above all), so editing the
    package cannot change what a migration does: each defines the column types it uses."""
    versions = sorted((migrations_dir() / "versions").glob("*.py"))
    assert {"0001_initial_schema.py", "0005_format_id_lists.py"} <= {p.name for p in versions}
    for path in versions:
        source = path.read_text()
        package = [m for m in _imports(source) if m.split(".")[0] == "catalogsync"]
        assert package == [], path.name
        tree = ast.parse(source)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        defined = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
        assert used & {"UTCDateTime", "ExactDecimal"} <= defined, path.name
    # New revisions start from a template that imports nothing of the package either.
    template = (migrations_dir() / "script.py.mako").read_text().splitlines()
    statements = "\n".join(line for line in template if line.startswith(("import ", "from ")))
    assert not [m for m in _imports(statements) if m.split(".")[0] == "catalogsync"]
