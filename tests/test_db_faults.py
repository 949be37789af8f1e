"""Database faults on PostgreSQL: sessions killed mid-sync, a database that goes away or was never there.

Whatever the database does, a sync fails cleanly (exit 1, a "database error" message,
no traceback), leaves the catalog exactly as it was, and the next sync recovers by itself.
Sessions are ended as an administrator or a server restart would end them:
``pg_terminate_backend`` on every other session of the test's database.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from catalogsync import sync as sync_module
from catalogsync.db.session import make_engine
from tests.conftest import POSTGRES_URL
from tests.factories import akool_model, akool_payload
from tests.helpers import cli, rows, snapshot, use_local_server

pytestmark = pytest.mark.postgres
POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
AKOOL_PATH = "/api/open/v4/aigModel/list"
V1 = akool_payload(akool_model("AkoolImage2VideoFastV1", prices={"720p": 5}))
V2 = akool_payload(akool_model("AkoolImage2VideoFastV1", prices={"720p": 6}))


def terminate_backends(database_url: str) -> int:
    """End every other session of the database; return how many were ended."""
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
            )
    finally:
        admin.dispose()


def close_database(database_url: str) -> None:
    """Refuse new sessions of the database and end its current ones: the database is gone."""
    allow_connections(database_url, False)
    assert POSTGRES_URL
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": make_url(database_url).database},
            )
    finally:
        admin.dispose()


def allow_connections(database_url: str, allowed: bool) -> None:
    """Open or close the database to new sessions (from the server's maintenance database)."""
    assert POSTGRES_URL
    name = make_url(database_url).database
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
            )
    finally:
        admin.dispose()


@contextmanager
def when_fetched(server, count: int, action: Callable[[], object]) -> Iterator[None]:
    """Run ``action`` in a thread as soon as the server has seen ``count`` akool requests."""
    failures: list[BaseException] = []

    def watch() -> None:
        deadline = time.monotonic() + 10
        while sum(r.path == AKOOL_PATH for r in server.requests) < count:
            if time.monotonic() > deadline:
                failures.append(TimeoutError("the sync never fetched akool"))
                return
            time.sleep(0.01)
        try:
            action()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        yield
    finally:
        thread.join(15)
    assert not failures, failures


def sync_akool() -> tuple[int, dict]:
    code, out = cli("sync", "akool", "--format", "json")
    [outcome] = json.loads(out)
    return code, outcome


@pytest.fixture
def engine(database_url, provider_server, monkeypatch):
    use_local_server(monkeypatch, provider_server, database_url)
    provider_server.set_json("akool", V1)
    engine = make_engine(database_url)
    assert sync_akool()[0] == 0
    yield engine
    engine.dispose()


def statuses(engine) -> list[str]:
    return [r[0] for r in rows(engine, "SELECT status FROM sync_runs ORDER BY id")]


@POSTGRES
def test_sessions_killed_during_a_slow_fetch_fail_the_run_and_the_next_sync_recovers(
    engine, database_url, provider_server, capsys
):
    before = snapshot(engine)
    provider_server.set_json("akool", V2, delay=1.0)
    with when_fetched(provider_server, 2, lambda: terminate_backends(database_url)):
        code, outcome = sync_akool()
    err = capsys.readouterr().err
    assert code == 1
    assert outcome["status"] == "failed"
    # The lock's session died: another process may be syncing now, so nothing is stored.
    assert outcome["error"].startswith("database error: lost the akool lock")
    assert "nothing is stored" in outcome["error"]
    assert "Traceback" not in err
    assert snapshot(engine) == before
    assert statuses(engine) == ["succeeded", "failed"]

    provider_server.set_json("akool", V2)
    code, outcome = sync_akool()
    assert (code, outcome["status"], outcome["version"]) == (0, "succeeded", 2)


@POSTGRES
def test_sessions_killed_while_storing_fail_the_run_cleanly_and_the_next_sync_recovers(
    engine, database_url, provider_server, monkeypatch, capsys
):
    before = snapshot(engine)
    real_store = sync_module.store_catalog  # type: ignore[attr-defined]

    def store_after_a_restart(conn, *args, **kwargs):
        terminate_backends(database_url)  # the store's own session among them
        return real_store(conn, *args, **kwargs)

    monkeypatch.setattr(sync_module, "store_catalog", store_after_a_restart)
    provider_server.set_json("akool", V2)
    code, outcome = sync_akool()
    err = capsys.readouterr().err
    assert code == 1
    assert outcome["error"].startswith("database error: ")
    assert "terminating connection" in outcome["error"] or "closed" in outcome["error"]
    assert "Traceback" not in err
    assert snapshot(engine) == before
    assert statuses(engine) == ["succeeded", "failed"]
    # What arrived is kept with the failed run.
    code, raw = cli("runs", "show", str(outcome["run_id"]), "--raw")
    assert (code, json.loads(raw)) == (0, V2)

    monkeypatch.setattr(sync_module, "store_catalog", real_store)
    code, outcome = sync_akool()
    assert (code, outcome["status"], outcome["version"]) == (0, "succeeded", 2)


@POSTGRES
def test_a_failure_that_cannot_be_recorded_still_exits_1_and_the_next_run_cleans_up(
    engine, database_url, provider_server, capsys
):
    before = snapshot(engine)
    provider_server.set_json("akool", V2, delay=1.0)

    try:
        with when_fetched(provider_server, 2, lambda: close_database(database_url)):
            code, outcome = sync_akool()
    finally:
        allow_connections(database_url, True)
    err = capsys.readouterr().err
    assert code == 1
    assert outcome["status"] == "failed"
    assert outcome["error"].startswith(
        "database error: run 2 failed and could not be recorded; it stays 'running' until "
        "the next sync marks it abandoned. It failed with: database error: connection failed:"
    )
    assert outcome["error"].endswith("is not currently accepting connections")
    assert "Traceback" not in err
    assert "could not be recorded" in err
    assert snapshot(engine) == before
    assert statuses(engine) == ["succeeded", "running"]  # nobody could say otherwise

    # Back up: the next sync marks the orphaned run abandoned, then syncs normally.
    provider_server.set_json("akool", V2)
    code, outcome = sync_akool()
    assert (code, outcome["status"], outcome["version"]) == (0, "succeeded", 2)
    assert statuses(engine) == ["succeeded", "abandoned", "succeeded"]
    [(error,)] = rows(engine, "SELECT error FROM sync_runs WHERE status = 'abandoned'")
    assert error.startswith("abandoned: process")


@pytest.mark.parametrize(
    "argv",
    [
        ("sync",),
        ("status",),
        ("versions",),
        ("runs", "list"),
        ("sync", "akool", "--format", "json"),
    ],
)
def test_an_unreachable_database_is_a_clear_error(argv, monkeypatch, provider_server, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/catalogsync"
    use_local_server(monkeypatch, provider_server, url)
    started = time.monotonic()
    code, out = cli(*argv)
    err = capsys.readouterr().err
    assert code == 1
    assert out == ""
    assert err.startswith("catalogsync: database error: connection failed:")
    assert f"port {port} failed: Connection refused" in err
    assert "Traceback" not in err
    assert time.monotonic() - started < 5
    assert not provider_server.requests  # nothing fetched when nothing can be stored
