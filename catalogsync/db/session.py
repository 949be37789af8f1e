"""Engines: one function that knows each database's connection quirks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from catalogsync.errors import ConfigError


def normalize_url(url: str) -> URL:
    """Parse a SQLAlchemy URL; plain ``postgresql://`` means psycopg 3, the driver we ship."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"not a database URL: {url!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql+psycopg://"
        )
    return parsed


def sqlite_file(url: URL) -> str | None:
    """The file a SQLite URL names (``None`` for an in-memory database).

    Both spellings: ``sqlite:///PATH`` and the URI filename ``sqlite:///file:PATH?uri=true``
    (whose own query, e.g. ``mode=memory``, is read too).
    """
    database = url.database
    if not database or database == ":memory:":
        return None
    if str(url.query.get("uri", "")).lower() not in ("true", "1") or not database.startswith(
        "file:"
    ):
        return database
    parts = urlsplit(database)
    if parse_qs(parts.query).get("mode") == ["memory"]:
        return None
    return unquote(parts.path) or None


def make_engine(url: str, *, busy_timeout: float = 30.0, **kwargs: Any) -> Engine:
    """Return an engine for ``url``; on SQLite with foreign keys, WAL and ``busy_timeout``."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (pysqlite's own
    # handling defers BEGIN and breaks savepoints), and turn on what SQLite leaves off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    # Writers BEGIN IMMEDIATE: taking the write lock up front makes two writers queue on
    # the busy timeout instead of one failing half-way with "database is locked". Readers
    # (see `reading`) begin deferred, so a listing never holds up a sync.
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "catalogsync_read_only"


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for queries only: on SQLite it does not take the write lock."""
    with engine.connect() as conn:
        conn.execution_options(**{_READ_ONLY: True})
        yield conn
