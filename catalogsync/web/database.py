"""The web page's database: opened read-only, so no request can change a row.

The one module of ``catalogsync.web`` that touches SQLAlchemy (the front end otherwise
calls ``catalogsync.api`` only). SQLite is opened through a ``mode=ro`` URI with
``PRAGMA query_only`` on each connection; on PostgreSQL each connection runs
``SET default_transaction_read_only = on``, so a write fails even if the database user
may write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event

from catalogsync import api
from catalogsync.database import Database, database_boundary
from catalogsync.db.session import _READ_ONLY, make_engine, normalize_url, sqlite_file
from catalogsync.errors import ConfigError


@database_boundary
def open_read_only(url: str) -> api.Database:
    """The database at ``url``, every connection of it read-only."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is None:
            raise ConfigError("serve needs a database file: an in-memory SQLite database is empty")
        if not Path(path).is_file():
            raise ConfigError(f"no database at {path}: run `catalogsync db upgrade` first")
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&uri=true"
        engine = make_engine(f"sqlite:///{uri}")
        event.listen(engine, "connect", _sqlite_query_only)
        # Every connection begins as `reading` does (a plain BEGIN): the writers'
        # BEGIN IMMEDIATE would ask a read-only file for the write lock.
        engine = engine.execution_options(**{_READ_ONLY: True})
    else:
        engine = make_engine(url)
        event.listen(engine, "connect", _postgresql_read_only)
    return Database(engine)


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def _postgresql_read_only(dbapi_connection: Any, _record: Any) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a SET outside any transaction holds for the session
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")
    dbapi_connection.autocommit = autocommit
