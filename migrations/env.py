"""Alembic environment: the engine catalogsync hands over, or CATALOGSYNC_DATABASE_URL."""

from __future__ import annotations

import logging.config
import os

from alembic import context
from sqlalchemy import Engine

from catalogsync.config import DEFAULT_DATABASE_URL
from catalogsync.db.models import Base
from catalogsync.db.session import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("engine") is None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    owned = engine is None
    if engine is None:
        engine = make_engine(os.environ.get("CATALOGSYNC_DATABASE_URL", DEFAULT_DATABASE_URL))
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                # SQLite cannot ALTER most things in place; batch mode recreates the table.
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                user_module_prefix="catalogsync.db.types.",
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run against a database")
run_migrations_online()
