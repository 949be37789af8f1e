"""Upgrading to schema 0010 moves failed runs' payloads into ``failed_payloads``, one per
provider and distinct bytes, and the downgrade gives each run its own copy back. Both
databases.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from catalogsync import api
from catalogsync.db.migrate import SCHEMA_REVISION, alembic_config, current_revision
from catalogsync.db.session import make_engine
from catalogsync.db.types import UTCDateTime
from tests.helpers import rows

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SAME = b'{"data": [{"id": "bass", "price": "oops"}]}'
OTHER = b"<html>502 Bad Gateway</html>"

providers_0008 = sa.table(
    "providers", sa.column("id"), sa.column("slug"), sa.column("created_at", UTCDateTime())
)
runs_0008 = sa.table(
    "sync_runs",
    *(sa.column(c) for c in ("id", "provider_id", "trigger", "status", "error", "hostname")),
    *(sa.column(c) for c in ("pid", "raw_encoding", "raw_payload")),
    sa.column("started_at", UTCDateTime()),
    sa.column("finished_at", UTCDateTime()),
)


def _run(run_id: int, provider_id: int, raw: bytes | None, status: str = "failed") -> dict:
    return {
        "id": run_id,
        "provider_id": provider_id,
        "trigger": "sync",
        "status": status,
        "error": "invalid payload" if status == "failed" else None,
        "hostname": "h",
        "pid": 1,
        "raw_encoding": "zlib" if raw is not None else None,
        "raw_payload": zlib.compress(raw) if raw is not None else None,
        "started_at": T0 + timedelta(hours=run_id),
        "finished_at": T0 + timedelta(hours=run_id, seconds=2),
    }


def test_failed_payloads_are_moved_deduplicated_and_back(empty_database_url):
    engine = make_engine(empty_database_url)
    config = alembic_config(engine)
    try:
        command.upgrade(config, "0008")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(providers_0008),
                [
                    {"id": 1, "slug": "audioshake", "created_at": T0},
                    {"id": 2, "slug": "akool", "created_at": T0},
                ],
            )
            conn.execute(
                sa.insert(runs_0008),
                [
                    _run(1, 1, SAME),
                    _run(2, 1, SAME),
                    _run(3, 1, None, status="abandoned"),
                    _run(4, 1, OTHER),
                    _run(5, 1, SAME),
                    _run(6, 2, SAME),  # the same bytes from another provider: its own row
                ],
            )
        command.upgrade(config, "head")
        assert current_revision(engine) == SCHEMA_REVISION

        stored = rows(
            engine,
            "SELECT provider_id, raw_hash, first_seen FROM failed_payloads "
            "ORDER BY provider_id, first_seen",
        )
        assert [(p, h) for p, h, _ in stored] == [
            (1, hashlib.sha256(SAME).hexdigest()),
            (1, hashlib.sha256(OTHER).hexdigest()),
            (2, hashlib.sha256(SAME).hexdigest()),
        ]
        first_seen = [UTCDateTime().process_result_value(f, engine.dialect) for *_, f in stored]
        assert first_seen == [T0 + timedelta(hours=h) for h in (1, 4, 6)]
        db = api.Database(engine)
        expected = {1: SAME, 2: SAME, 4: OTHER, 5: SAME, 6: SAME}
        for run_id, raw in expected.items():
            detail = api.run(db, run_id, require_payload=True)
            assert detail.payload is not None
            assert (detail.payload.source, detail.payload.data) == ("run", raw)
        assert api.run(db, 3).payload is None
        columns = {c["name"] for c in sa.inspect(engine).get_columns("sync_runs")}
        assert "raw_payload" not in columns
        assert "failed_payload_id" in columns

        command.downgrade(config, "0008")
        back = rows(engine, "SELECT id, raw_encoding, raw_payload FROM sync_runs ORDER BY id")
        assert {
            run_id: zlib.decompress(bytes(payload)) if payload is not None else None
            for run_id, _, payload in back
        } == {**expected, 3: None}
        assert {encoding for _, encoding, payload in back if payload is not None} == {"zlib"}
        assert "failed_payloads" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
