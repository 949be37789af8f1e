"""Alembic environment: the engine catalogsync hands over, or CATALOGSYNC_DATABASE_URL."""

from __future__ import annotations

import logging.config
import os

from alembic import context
from sqlalchemy import Connection, Engine

from catalogsync.config import DEFAULT_DATABASE_URL
from catalogsync.db.models import metadata
from catalogsync.db.session import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("engine") is None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _sqlite_pragmas(connection: Connection, **pragmas: str) -> None:
    """Set pragmas outside any transaction (inside one, SQLite ignores foreign_keys).

    Batch mode rebuilds a table (copy, drop, rename), which needs foreign keys off, and a
    rename that does not re-check the views: they name the table, and it is back under
    its own name once the rebuild is done.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    for name, value in pragmas.items():
        driver.execute(f"PRAGMA {name} = {value}")


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    owned = engine is None
    if engine is None:
        engine = make_engine(os.environ.get("CATALOGSYNC_DATABASE_URL", DEFAULT_DATABASE_URL))
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                _sqlite_pragmas(connection, foreign_keys="OFF", legacy_alter_table="ON")
            context.configure(
                connection=connection,
                target_metadata=metadata,
                # SQLite cannot ALTER most things in place; batch mode recreates the table.
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                # Autogenerate writes catalogsync's own column types by bare name
                # (``UTCDateTime(timezone=True)``): a revision defines its own frozen copy of
                # each (see 0001) and never imports the package, whose types may change.
                user_module_prefix="",
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            if sqlite:
                _sqlite_pragmas(connection, foreign_keys="ON", legacy_alter_table="OFF")
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run against a database")
run_migrations_online()
