"""Storage faults: a database that cannot take a write (its disk full) fails the run with
the database's own message, which is kept; SQLite URI filenames work like paths."""

from __future__ import annotations

import io
import json
from pathlib import Path
from secrets import token_hex

import pytest
from sqlalchemy import Engine, event, text

from catalogsync.cli import main
from catalogsync.codec import dumps_exact
from catalogsync.db.session import make_engine
from tests.factories import audioshake_model, audioshake_payload
from tests.helpers import runs, snapshot, store

SMALL = audioshake_payload(audioshake_model("bass"))
# Random descriptions: the payload hardly compresses, so keeping it takes many pages too.
LARGE = audioshake_payload(
    audioshake_model("bass"),
    *(audioshake_model(f"model-{i:05d}", description=token_hex(200)) for i in range(3000)),
)


def _limit_pages(engine: Engine, extra_pages: int) -> None:
    """From now on the SQLite file may grow by ``extra_pages`` pages only: writes beyond
    fail with SQLite's "database or disk is full", as on a full disk."""
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    engine.dispose()

    @event.listens_for(engine, "connect")
    def limit(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {pages + extra_pages}")
        cursor.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_full_disk_fails_the_run_with_the_database_message(engine):
    assert store(engine, "audioshake", SMALL, day=0).status == "succeeded"
    before = snapshot(engine)
    _limit_pages(engine, 4)
    outcome = store(engine, "audioshake", LARGE, day=1)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "database or disk is full" in outcome.error
    assert snapshot(engine) == before
    [first, failed] = runs(engine)
    assert first == ("succeeded", None)
    assert failed[0] == "failed"
    assert "database or disk is full" in (failed[1] or "")
    assert "could not be kept" in (failed[1] or "")
    # The next sync finds no run left "running": nothing is recorded as abandoned.
    assert store(engine, "audioshake", SMALL, day=2).status == "unchanged"
    assert [status for status, _ in runs(engine)] == ["succeeded", "failed", "unchanged"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_full_disk_on_postgresql_fails_the_run_with_the_database_message(engine):
    assert store(engine, "audioshake", SMALL, day=0).status == "succeeded"
    before = snapshot(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device'
                        USING ERRCODE = 'disk_full';
                END $$;
                CREATE TRIGGER full_versions BEFORE INSERT ON catalog_versions
                    FOR EACH ROW EXECUTE FUNCTION disk_full();
                CREATE TRIGGER full_payloads BEFORE INSERT ON failed_payloads
                    FOR EACH ROW EXECUTE FUNCTION disk_full();
                """
            )
        )
    outcome = store(engine, "audioshake", LARGE, day=1)
    assert outcome.status == "failed"
    assert "No space left on device" in (outcome.error or "")
    assert snapshot(engine) == before
    status, error = runs(engine)[-1]
    assert status == "failed"
    assert "No space left on device" in (error or "")
    assert "could not be kept" in (error or "")


def test_sqlite_uri_filenames_work_like_paths(tmp_path: Path):
    path = tmp_path / "uri db.sqlite"
    url = f"sqlite:///file:{path.as_posix().replace(' ', '%20')}?uri=true"
    payload = tmp_path / "payload.json"
    payload.write_text(dumps_exact(SMALL), encoding="utf-8")

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return main([*argv, "--database-url", url], out=out), out.getvalue()

    assert run("db", "upgrade")[0] == 0
    code, out = run("import", "audioshake", str(payload), "--format", "json")
    assert code == 0, out
    assert json.loads(out)[0]["status"] == "succeeded"
    code, out = run("versions", "--format", "json")
    assert [v["version"] for v in json.loads(out)] == [1]
    assert path.exists()
    assert (tmp_path / "uri db.sqlite.audioshake.lock").exists()
    assert not (tmp_path / "file:").exists()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM models").scalar_one() == 1
    finally:
        engine.dispose()
