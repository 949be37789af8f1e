"""Failed payloads stored once, and ``catalogsync runs prune``. Both databases.

Three failed runs that received the same bytes keep one payload, and ``runs show --raw``
still gives each run its bytes. Pruning deletes old runs except those that produced a
version and each provider's latest run of each status, deletes the failed payloads no
run points at any more, and a dry run reports the same counts and deletes nothing.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from catalogsync import api
from catalogsync.cli import main
from catalogsync.db import models as t
from tests.factories import akool_model, akool_payload, audioshake_model, audioshake_payload
from tests.helpers import cli, count, rows, store

AUDIOSHAKE = audioshake_payload(audioshake_model("bass"))
AUDIOSHAKE_2 = audioshake_payload(audioshake_model("bass", price=2))
AKOOL = akool_payload(akool_model("AkoolImage2VideoFastV1"))
BAD_A = b'{"broken": "A"'
BAD_B = b'{"broken": "B"'
BAD_C = b"\xff C not json"
BAD_D = b"\xff D not json"


def raw_of(engine, run_id) -> bytes:
    detail = api.run(api.Database(engine), run_id, require_payload=True)
    assert detail.payload is not None
    return detail.payload.data


def run_ids(engine) -> list[int]:
    return [r[0] for r in rows(engine, "SELECT id FROM sync_runs ORDER BY id")]


def backdate(engine, run_ids, days):
    when = datetime.now(UTC) - timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(
            update(t.sync_runs).where(t.sync_runs.c.id.in_(run_ids)).values(started_at=when)
        )


def test_failed_runs_with_the_same_bytes_store_one_payload(engine, database_url, monkeypatch):
    failed = [store(engine, "audioshake", BAD_A, day=d) for d in range(3)]
    other = store(engine, "audioshake", BAD_B, day=3)
    elsewhere = store(engine, "akool", BAD_A, day=3)
    assert {o.status for o in [*failed, other, elsewhere]} == {"failed"}

    # One row per provider and distinct bytes; every failed run points at its row.
    assert count(engine, "failed_payloads") == 3
    [(_, refs)] = rows(
        engine,
        "SELECT failed_payload_id, COUNT(*) FROM sync_runs r JOIN providers p "
        "ON p.id = r.provider_id WHERE p.slug = 'audioshake' AND failed_payload_id IS NOT NULL "
        "GROUP BY failed_payload_id HAVING COUNT(*) > 1",
    )
    assert refs == 3
    for outcome in failed:
        assert raw_of(engine, outcome.run_id) == BAD_A
    assert raw_of(engine, other.run_id) == BAD_B
    assert raw_of(engine, elsewhere.run_id) == BAD_A

    # The command line prints the same bytes for each run.
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    for outcome in failed:
        code, out = cli("runs", "show", str(outcome.run_id), "--raw")
        assert (code, out) == (0, BAD_A.decode())
        code, out = cli("runs", "show", str(outcome.run_id), "--format", "json")
        assert json.loads(out)["payload"] == "run"


@pytest.fixture
def history(engine, database_url, monkeypatch):
    """Old and recent runs of two providers; see the expectations in the tests."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    ids = {
        "r1 succeeded v1": store(engine, "audioshake", AUDIOSHAKE, day=0),
        "r2 unchanged": store(engine, "audioshake", AUDIOSHAKE, day=1),
        "r3 failed A": store(engine, "audioshake", BAD_A, day=2),
        "r4 failed B": store(engine, "audioshake", BAD_B, day=3),
        "r5 unchanged": store(engine, "audioshake", AUDIOSHAKE, day=4),
        "a1 failed C": store(engine, "akool", BAD_C, day=4),
        "a2 failed D": store(engine, "akool", BAD_D, day=5),
        "r6 failed A": store(engine, "audioshake", BAD_A, day=200),
        "r7 succeeded v2": store(engine, "audioshake", AUDIOSHAKE_2, day=201),
    }
    run = {name: outcome.run_id for name, outcome in ids.items()}
    old = [i for name, i in run.items() if not name.startswith(("r6", "r7"))]
    backdate(engine, old, days=120)
    backdate(engine, [run["r6 failed A"], run["r7 succeeded v2"]], days=10)
    assert count(engine, "failed_payloads") == 4  # A, B (audioshake), C, D (akool)
    return run


def prune(*argv: str) -> tuple[int, dict]:
    out = io.StringIO()
    code = main(["runs", "prune", *argv, "--format", "json"], out=out)
    return code, json.loads(out.getvalue())


def counts(document: dict) -> dict[str, tuple[str, int, int, int]]:
    return {
        p["provider"]: (p["status"], p["runs_deleted"], p["runs_kept"], p["payloads_deleted"])
        for p in document["providers"]
    }


def test_prune_keeps_versions_producers_and_each_latest_status(engine, history):
    before = run_ids(engine)
    code, dry = prune("--older-than", "90d", "--dry-run")
    assert code == 0
    assert dry["dry_run"] is True
    assert counts(dry) == {
        "akool": ("would prune", 1, 1, 1),
        "audioshake": ("would prune", 3, 2, 1),
    }
    assert (dry["runs_deleted"], dry["payloads_deleted"]) == (4, 2)
    assert run_ids(engine) == before  # a dry run deletes nothing
    assert count(engine, "failed_payloads") == 4

    code, done = prune("--older-than", "90d")
    assert code == 0
    assert counts(done) == {"akool": ("pruned", 1, 1, 1), "audioshake": ("pruned", 3, 2, 1)}
    kept = {name for name, run_id in history.items() if run_id in run_ids(engine)}
    assert kept == {
        "r1 succeeded v1",  # produced a version
        "r5 unchanged",  # audioshake's latest unchanged run
        "a2 failed D",  # akool's latest failed run
        "r6 failed A",  # recent
        "r7 succeeded v2",  # recent
    }
    # Payload A is still needed by r6, D by a2; B and C went with their runs.
    assert raw_of(engine, history["r6 failed A"]) == BAD_A
    assert raw_of(engine, history["a2 failed D"]) == BAD_D
    assert count(engine, "failed_payloads") == 2
    assert count(engine, "catalog_versions") == 2  # history is never touched

    # Pruning again finds nothing more.
    assert counts(prune("--older-than", "90d")[1]) == {
        "akool": ("pruned", 0, 1, 0),
        "audioshake": ("pruned", 0, 2, 0),
    }


def test_a_shorter_age_prunes_more_and_the_table_prints_counts(engine, history):
    code, out = cli("runs", "prune", "--older-than", "1w", "--dry-run")
    assert code == 0
    assert "dry run: nothing was deleted" in out
    assert "would delete" in out
    # 1 week: r6 and r7 are old now too, and kept (the latest failure, a version's run).
    code, out = cli("runs", "prune", "--older-than", "1w")
    assert code == 0
    total = next(line for line in out.splitlines() if "total" in line)
    assert re.findall(r"\d+", total) == ["4", "5", "2"]
    assert "runs deleted" in out
    assert count(engine, "sync_runs") == 5


@pytest.mark.parametrize("age", ["90d", "12w", "36h", "1h30m"])
def test_durations_people_write_are_accepted(engine, history, age):
    assert prune("--older-than", age)[0] == 0


@pytest.mark.parametrize("age", ["90", "90x", "-1d", "0d"])
def test_a_bad_duration_is_a_usage_error(tmp_path, monkeypatch, age, capsys):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(SystemExit) as exited:
        main(["runs", "prune", f"--older-than={age}"])
    assert exited.value.code == 2
    assert "duration" in capsys.readouterr().err


def test_a_provider_being_synced_is_skipped(engine, history):
    from catalogsync.locks import provider_lock

    with provider_lock(engine, "akool") as taken:
        assert taken
        code, document = prune("--older-than", "90d")
    assert code == 0
    assert counts(document)["akool"] == ("skipped", 0, 0, 0)
    assert counts(document)["audioshake"] == ("pruned", 3, 2, 1)
    assert count(engine, "failed_payloads") == 3
