"""An open database handle, and the boundary that turns SQLAlchemy's errors into ours.

Every library module that touches the database takes a ``Database`` and wraps its public
functions in ``database_boundary``, so a front end handles one tree of errors
(``catalogsync.errors``). ``catalogsync.api`` re-exports what front ends need.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from catalogsync.db.session import make_engine, sqlite_file
from catalogsync.errors import DatabaseAccessError, NoDatabaseError
from catalogsync.results import SchemaUpgrade

if TYPE_CHECKING:
    from sqlalchemy import Engine

P = ParamSpec("P")
R = TypeVar("R")


def database_boundary(function: Callable[P, R]) -> Callable[P, R]:
    """Raise ``DatabaseAccessError`` for any SQLAlchemy error ``function`` lets through."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except SQLAlchemyError as exc:
            raise DatabaseAccessError(exc) from exc

    return wrapper


class Database:
    """An open database: an engine, whose connections are made as they are needed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @database_boundary
    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


@database_boundary
def open_database(url: str) -> Database:
    """The database at ``url`` (SQLAlchemy form; ``postgresql://`` means psycopg 3)."""
    return Database(make_engine(url))


@database_boundary
def upgrade_database(db: Database) -> SchemaUpgrade:
    """Create or migrate the schema to the newest revision."""
    from catalogsync.db.migrate import upgrade

    before, after = upgrade(db.engine)
    return SchemaUpgrade(db.url, before, after)


@database_boundary
def check_schema(db: Database) -> None:
    """Raise ``SchemaNotReadyError`` unless the schema is the one this release needs, and
    ``NoDatabaseError`` for a SQLite file that is not there: SQLite creates a file on
    connecting, and a command that only reads must leave no empty database behind."""
    from catalogsync.db.migrate import require_current_schema

    path = sqlite_file(db.engine.url) if db.engine.url.get_backend_name() == "sqlite" else None
    if path is not None and not Path(path).exists():
        raise NoDatabaseError(path)

    require_current_schema(db.engine)
