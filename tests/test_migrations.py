"""Migrations: down and up again with data in the tables, and models that match them. Both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from catalogsync.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    migrations_dir,
    upgrade,
)
from catalogsync.db.models import Base
from catalogsync.db.session import make_engine
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
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
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
