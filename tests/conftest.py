"""Shared fixtures: real databases (SQLite and PostgreSQL) built by Alembic, a local provider server.

PostgreSQL tests run when CATALOGSYNC_TEST_POSTGRES_URL names a server
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and are skipped otherwise;
.ci/run always sets it. Each test gets a database of its own, copied from a template
migrated once per session, so tests may commit, run subprocesses and run concurrently.

API keys: tests use only those of ``tests/api_keys.py``, and ``tests/secret_scan.py``
(wired in here) fails any test that lets one appear in its output, its logs, or any row
of the databases below.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import stamina
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from catalogsync.db.migrate import upgrade
from catalogsync.db.session import make_engine
from tests.provider_server import ProviderServer
from tests.secret_scan import (  # the plugin's hook and fixture, active for every test
    _watch_for_api_keys,  # noqa: F401
    assert_no_keys_in_database,
    pytest_runtest_makereport,  # noqa: F401
)

pytest_plugins = ["pytester"]  # tests/test_secret_scan.py runs the scanner on planted keys

POSTGRES_URL = os.environ.get("CATALOGSYNC_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True, scope="session")
def _no_retry_waits() -> Iterator[None]:
    """Retries keep their configured attempts (at most 10) but never wait."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's keys, config or database settings; cwd is a temp dir."""
    for name in list(os.environ):
        if name.startswith("CATALOGSYNC_") and name != "CATALOGSYNC_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
        if name.endswith("_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@contextmanager
def postgres_database(prefix: str, template: str | None = None) -> Iterator[tuple[str, str]]:
    """Create a scratch PostgreSQL database (from ``template``); yield its name and URL; drop it."""
    if not POSTGRES_URL:
        pytest.skip("CATALOGSYNC_TEST_POSTGRES_URL is not set")
    name = f"catalogsync_{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        )
    try:
        yield name, make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    with postgres_database("tmpl") as (name, url):
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield name


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a freshly migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "catalogsync-test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        assert_no_keys_in_database(f"sqlite:///{path}", request.node)
        return
    with postgres_database("test", request.getfixturevalue("postgres_template")) as (_, url):
        yield url
        assert_no_keys_in_database(url, request.node)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database (no schema) of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        assert_no_keys_in_database(f"sqlite:///{tmp_path / 'empty.db'}", request.node)
        return
    with postgres_database("empty") as (_, url):
        yield url
        assert_no_keys_in_database(url, request.node)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def provider_server() -> Iterator[ProviderServer]:
    """A local HTTP server on 127.0.0.1 answering like every registered provider."""
    server = ProviderServer()
    server.start()
    yield server
    server.stop()
