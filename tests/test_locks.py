"""Provider locks and crash recovery. SQLite and PostgreSQL.

One process at a time per provider (in-process, across processes, released when the
holder dies); a locked provider is skipped without writing; runs left ``running`` are
marked ``abandoned``; a sync killed with SIGKILL in the middle of writing a large
catalog leaves the database as it was, and the next sync succeeds.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from catalogsync.cli import main
from catalogsync.db.migrate import current_revision, head_revision, upgrade
from catalogsync.db.session import make_engine
from catalogsync.locks import advisory_key, lock_file, provider_lock, schema_lock
from catalogsync.present.output import dumps_json
from catalogsync.providers import get_provider_class
from catalogsync.runs import ensure_provider, start_run
from catalogsync.sync import SyncPolicy, run_sync
from tests.factories import audioshake_model, audioshake_payload
from tests.helpers import T0, count, rows, runs, settings, snapshot, sqlite_write_locked, store
from tests.processes import process_env, spawn_processes, wait_until

spawn = pytest.fixture(spawn_processes)

HOLD_LOCK = """
import sys, time
from catalogsync.db.session import make_engine
from catalogsync.locks import provider_lock
with provider_lock(make_engine(sys.argv[1]), sys.argv[2]) as acquired:
    print("locked" if acquired else "busy", flush=True)
    time.sleep(60)
"""


def test_a_provider_lock_is_exclusive_per_provider_and_released(engine):
    with provider_lock(engine, "akool") as first:
        assert first
        with provider_lock(engine, "akool") as second:
            assert not second
        with provider_lock(engine, "auriko") as other:
            assert other
    with provider_lock(engine, "akool") as again:
        assert again


def test_a_lock_held_by_another_process_is_released_when_it_is_killed(database_url):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, database_url, "akool"],
        stdout=subprocess.PIPE,
        text=True,
    )
    engine = make_engine(database_url)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with provider_lock(engine, "akool") as acquired:
            assert not acquired
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)

        def free() -> bool:
            with provider_lock(engine, "akool") as acquired:
                return acquired

        wait_until(free, 10, "the dead process's lock to be released")
    finally:
        holder.kill()
        holder.wait(10)
        if holder.stdout:
            holder.stdout.close()
        engine.dispose()


def sync_payload(engine, provider, payload):
    """A recorded sync (not an import) of ``payload``."""
    adapter = get_provider_class(provider)(settings().providers[provider])
    raw = dumps_json(payload).encode()
    return run_sync(engine, adapter, lambda: raw, SyncPolicy(trigger="sync"))


def test_a_sync_of_a_locked_provider_is_skipped_and_writes_nothing(engine):
    payload = audioshake_payload(audioshake_model("bass"))
    with provider_lock(engine, "audioshake") as acquired:
        assert acquired
        outcome = sync_payload(engine, "audioshake", payload)
    assert outcome.status == "skipped"
    assert outcome.ok
    assert outcome.error == "another process is syncing audioshake"
    assert count(engine, "sync_runs") == 0
    assert count(engine, "catalog_versions") == 0
    assert sync_payload(engine, "audioshake", payload).status == "succeeded"


def test_an_import_waits_for_the_lock_and_fails_if_it_never_comes(engine):
    payload = audioshake_payload(audioshake_model("bass"))
    with provider_lock(engine, "audioshake"):
        outcome = store(engine, "audioshake", payload, lock_wait=0.2)
    assert (outcome.status, outcome.ok) == ("failed", False)
    assert "nothing imported" in (outcome.error or "")
    assert count(engine, "sync_runs") == 0

    released = threading.Event()

    def hold_briefly() -> None:
        with provider_lock(engine, "audioshake"):
            released.wait(0.6)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    try:
        time.sleep(0.1)
        assert store(engine, "audioshake", payload, lock_wait=10).status == "succeeded"
    finally:
        released.set()
        holder.join(10)


def test_runs_left_running_are_marked_abandoned_by_the_next_run(engine):
    provider_id = ensure_provider(engine, "akool", T0)
    start_run(engine, provider_id, "sync", T0)
    start_run(engine, ensure_provider(engine, "auriko", T0), "sync", T0)  # another provider's
    outcome = store(engine, "akool", {"code": 1000, "msg": "OK", "data": []}, day=1)
    assert outcome.status == "succeeded"
    by_provider = rows(
        engine,
        "SELECT p.slug, r.status, r.error, r.finished_at FROM sync_runs r "
        "JOIN providers p ON p.id = r.provider_id ORDER BY r.id",
    )
    assert [(slug, status) for slug, status, *_ in by_provider] == [
        ("akool", "abandoned"),
        ("auriko", "running"),
        ("akool", "succeeded"),
    ]
    error = by_provider[0][2]
    assert error.startswith(f"abandoned: process {os.getpid()} on ")
    assert by_provider[0][3] is not None


def test_an_in_memory_database_uses_a_lock_local_to_the_process():
    engine = make_engine("sqlite:///:memory:")
    with provider_lock(engine, "akool") as first, provider_lock(engine, "akool") as second:
        assert (first, second) == (True, False)
    engine.dispose()


def test_lock_keys_and_files_are_stable(tmp_path):
    # Every process and every version must agree on a provider's key: never change it.
    assert advisory_key("akool") == (1596604995, 1807552484)
    assert advisory_key("akool")[0] == advisory_key("auriko")[0]
    assert advisory_key("akool") != advisory_key("auriko")
    assert lock_file(str(tmp_path / "c.db"), "akool") == tmp_path / "c.db.akool.lock"


# --- crash recovery: SIGKILL in the middle of writing a large catalog ---------------

BIG_CATALOG = 10_000


def _postgres_writing(engine: Engine) -> bool:
    """Another session holds a write lock on model_inputs: the catalog's rows are going in."""
    return bool(
        rows(
            engine,
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'model_inputs' AND l.mode = 'RowExclusiveLock' "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.pid <> pg_backend_pid()",
        )[0][0]
    )


def _sqlite_writing(path: Path, wal_before: int) -> bool:
    """Another connection holds the write lock and has spilled over 1 MB into the WAL."""
    wal = Path(f"{path}-wal")
    if not wal.exists() or wal.stat().st_size < wal_before + 1_000_000:
        return False
    return sqlite_write_locked(path)


@pytest.mark.slow
def test_sigkill_mid_write_leaves_the_previous_state_and_the_next_sync_recovers(
    database_url, engine, provider_server, spawn, monkeypatch
):
    env = process_env(provider_server, CATALOGSYNC_DATABASE_URL=database_url)
    for name in (
        "CATALOGSYNC_DATABASE_URL",
        "AUDIOSHAKE_API_KEY",
        "CATALOGSYNC_AUDIOSHAKE_BASE_URL",
    ):
        monkeypatch.setenv(name, env[name])
    provider_server.set_json(
        "audioshake", audioshake_payload(audioshake_model("bass"), audioshake_model("drums"))
    )
    assert main(["sync", "audioshake"], out=io.StringIO()) == 0
    before = snapshot(engine)
    big = audioshake_payload(
        audioshake_model("bass"),
        audioshake_model("drums"),
        *(audioshake_model(f"model_{i:05d}", price=i % 7 + 1) for i in range(BIG_CATALOG - 2)),
    )
    provider_server.set_raw("audioshake", json.dumps(big).encode())
    sqlite_path = (
        Path(engine.url.database or "") if engine.url.get_backend_name() == "sqlite" else None
    )
    wal_before = (
        Path(f"{sqlite_path}-wal").stat().st_size
        if sqlite_path and Path(f"{sqlite_path}-wal").exists()
        else 0
    )

    sync = spawn("sync", "audioshake", env=env, label="killed-sync")
    wait_until(
        lambda: (
            _sqlite_writing(sqlite_path, wal_before) if sqlite_path else _postgres_writing(engine)
        ),
        60,
        "the sync to be writing the large catalog",
        sync,
        interval=0.05,
    )
    sync.send(signal.SIGKILL)
    assert sync.wait(10) == -signal.SIGKILL
    assert count(engine, "sync_runs", "status = 'running'") == 1, "killed before it finished"
    assert snapshot(engine) == before

    # The next sync takes over (on PostgreSQL, once the server has seen the dead sessions go).
    deadline = time.monotonic() + 15
    while True:
        out = io.StringIO()
        code = main(["sync", "audioshake", "--format", "json"], out=out)
        [outcome] = json.loads(out.getvalue())
        if outcome["status"] != "skipped" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert code == 0
    assert (outcome["status"], outcome["version"], outcome["model_count"]) == (
        "succeeded",
        2,
        BIG_CATALOG,
    )
    statuses = runs(engine)
    assert [status for status, _ in statuses] == ["succeeded", "abandoned", "succeeded"]
    assert f"process {sync.pid} " in (statuses[1][1] or "")
    assert count(engine, "current_models", "provider = 'audioshake'") == BIG_CATALOG


def test_db_upgrades_run_one_at_a_time(empty_database_url):
    engine = make_engine(empty_database_url)
    other = make_engine(empty_database_url)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (upgrade(other), done.set()))  # type: ignore[func-returns-value]
    try:
        with schema_lock(engine):
            worker.start()
            assert not done.wait(1.0), "an upgrade ran while another held the schema lock"
            assert current_revision(engine) is None
        assert done.wait(30)
        assert current_revision(engine) == head_revision()
        assert upgrade(engine) == (head_revision(), head_revision())
    finally:
        worker.join(30)
        engine.dispose()
        other.dispose()
