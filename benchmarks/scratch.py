"""Scratch databases for the benchmarks: a SQLite file, or a PostgreSQL database dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from catalogsync.db.session import make_engine


@contextmanager
def scratch_database(kind: str, directory: Path) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, empty database of ``kind`` (sqlite or postgresql).

    PostgreSQL comes from CATALOGSYNC_TEST_POSTGRES_URL, an admin URL of the server.
    """
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'{uuid.uuid4().hex[:8]}.db'}"
        return
    admin_url = os.environ.get("CATALOGSYNC_TEST_POSTGRES_URL")
    if not admin_url:
        raise SystemExit("set CATALOGSYNC_TEST_POSTGRES_URL for the PostgreSQL runs")
    name = f"catalogsync_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
