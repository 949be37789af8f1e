"""``catalogsync rebuild``: stored payloads re-parsed by today's adapters. SQLite and PostgreSQL.

With unchanged adapters nothing is written; with a changed adapter the history becomes what
a fresh import of the same payloads would give; a dry run changes nothing; a payload that no
longer parses, a process killed half-way and a provider locked by another process all leave
the history as it was.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from catalogsync import api
from catalogsync.catalog import Catalog, Model
from catalogsync.db import models as t
from catalogsync.db.session import make_engine
from catalogsync.errors import ConfigError, PayloadError
from catalogsync.providers.audioshake import AudioShakeProvider
from catalogsync.rebuild import TEST_PAUSE
from tests.conftest import postgres_database
from tests.factories import akool_model, akool_payload, audioshake_model, audioshake_payload
from tests.helpers import cli, rows, settings, snapshot, sqlite_write_locked, store
from tests.processes import spawn_processes, wait_until
from tests.test_locks import HOLD_LOCK, _postgres_writing

spawn = pytest.fixture(spawn_processes)

BASS = audioshake_model("bass", price=1)
DRUMS = audioshake_model("drums", price=2, audio=("wav", "flac"))
VOCALS = audioshake_model("vocals", price=Decimal("1.5"), supportedLanguages=["en", "de"])

HISTORY = [
    audioshake_payload(BASS, DRUMS, VOCALS),
    # bass's price moves, drums go, guitar comes
    audioshake_payload(
        audioshake_model("bass", price=3), VOCALS, audioshake_model("guitar", price=4)
    ),
    # drums come back, vocals' languages and guitar's price change
    audioshake_payload(
        audioshake_model("bass", price=3),
        DRUMS,
        audioshake_model("vocals", price=Decimal("1.5"), supportedLanguages=["en"]),
        audioshake_model("guitar", price=5),
    ),
    # guitar goes, piano comes with an output format never seen before
    audioshake_payload(
        audioshake_model("bass", price=3),
        DRUMS,
        audioshake_model("vocals", price=Decimal("1.5"), supportedLanguages=["en"]),
        audioshake_model("piano", price=6, outputs=("wav", "ogg")),
    ),
]
NEXT = audioshake_payload(audioshake_model("bass", price=7), DRUMS, audioshake_model("guitar"))
AKOOL_HISTORY = [
    akool_payload(akool_model("kling")),
    akool_payload(akool_model("kling", prices={"720p": 6}), akool_model("veo")),
]


def without_languages(model: Model) -> Model:
    """An adapter that stopped keeping ``supportedLanguages`` (changes version 1 on)."""
    attributes = {k: v for k, v in model.attributes.items() if k != "supportedLanguages"}
    return dataclasses.replace(model, attributes=attributes)


def guitar_per_second(model: Model) -> Model:
    """An adapter that reads guitar's price in another unit (changes versions 2 and 3)."""
    if model.model_id != "guitar":
        return model
    prices = tuple(dataclasses.replace(p, unit="credits/second") for p in model.prices)
    return dataclasses.replace(model, prices=prices)


CHANGES = {"without_languages": (without_languages, 1), "guitar_per_second": (guitar_per_second, 2)}


def change_adapter(monkeypatch: pytest.MonkeyPatch, transform: Callable[[Model], Model]) -> None:
    """Make today's AudioShake adapter apply ``transform`` to every model it parses."""
    original = AudioShakeProvider.parse

    def parse(self: AudioShakeProvider, raw: bytes) -> Catalog:
        catalog = original(self, raw)
        models = tuple(transform(m) for m in catalog.models)
        return Catalog(catalog.provider, models, catalog.upstream_version)

    monkeypatch.setattr(AudioShakeProvider, "parse", parse)


def import_history(engine: Engine, history: list[Any] = HISTORY, provider: str = "audioshake"):
    for day, payload in enumerate(history):
        assert store(engine, provider, payload, day=day).status == "succeeded"


def normalized(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every history row without surrogate ids: providers by name, versions by number,
    formats by label; and each version's number, time, hash, model count, upstream version."""
    with engine.connect() as conn:
        slugs = dict(conn.execute(select(t.providers.c.id, t.providers.c.slug)).all())
        numbers = dict(
            conn.execute(select(t.catalog_versions.c.id, t.catalog_versions.c.version)).all()
        )
        labels = {i: f"{k}:{n}" for i, k, n in conn.execute(select(t.formats))}
        found: dict[str, list[tuple[Any, ...]]] = {}
        for table in t.HISTORY_TABLES:
            table_rows = []
            for row in conn.execute(select(table)).mappings():
                values = dict(row)
                del values["id"]
                values["provider_id"] = slugs[values["provider_id"]]
                for name in ("opened_in_version_id", "closed_in_version_id"):
                    values[name] = numbers.get(values[name])
                for name in ("format_ids", "output_format_ids"):
                    if name in values:
                        values[name] = sorted(labels[i] for i in json.loads(values[name]))
                table_rows.append(tuple(sorted(values.items())))
            found[table.name] = sorted(table_rows, key=repr)
        v = t.catalog_versions.c
        found["catalog_versions"] = sorted(
            (slugs[p], *rest)
            for p, *rest in conn.execute(
                select(
                    v.provider_id,
                    v.version,
                    v.fetched_at,
                    v.content_hash,
                    v.model_count,
                    v.upstream_version,
                )
            )
        )
    return found


def provider_rows(engine: Engine, provider: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row (all columns, ids included) of ``provider`` in the catalog tables."""
    [(provider_id,)] = rows(engine, "SELECT id FROM providers WHERE slug = :s", s=provider)
    return {
        table.name: sorted(
            rows(engine, f"SELECT * FROM {table.name} WHERE provider_id = :p", p=provider_id),
            key=repr,
        )
        for table in (t.catalog_versions, *t.HISTORY_TABLES)
    }


def xmins(engine: Engine) -> dict[str, list[str]]:
    """PostgreSQL: the transaction that last wrote each row (``{}`` on SQLite)."""
    if engine.dialect.name != "postgresql":
        return {}
    tables = ["catalog_versions", "formats", *(table.name for table in t.HISTORY_TABLES)]
    return {n: sorted(r[0] for r in rows(engine, f"SELECT xmin::text FROM {n}")) for n in tables}


def stale_hashes(engine: Engine, provider: str) -> None:
    """Make every stored content hash of ``provider`` out of date, as an older adapter's."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE catalog_versions SET content_hash = 'stale' WHERE provider_id = "
            f"(SELECT id FROM providers WHERE slug = '{provider}')"
        )


def rebuild(engine: Engine, *providers: str, dry_run: bool = False):
    return api.rebuild(api.Database(engine), settings(), providers, dry_run=dry_run)


@pytest.fixture
def fresh_engine(database_url, request, tmp_path) -> Iterator[Engine]:
    """A second empty database of the same backend, for a fresh import to compare with."""
    if database_url.startswith("sqlite"):
        path = tmp_path / "fresh.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    with postgres_database("fresh", request.getfixturevalue("postgres_template")) as (_, url):
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_with_unchanged_adapters_a_rebuild_writes_nothing(engine):
    import_history(engine)
    import_history(engine, AKOOL_HISTORY, "akool")
    before, written = snapshot(engine), xmins(engine)
    report = rebuild(engine)
    assert report.ok
    assert [(o.provider, o.status, o.versions, o.changed) for o in report.outcomes] == [
        ("akool", "unchanged", 2, ()),
        ("audioshake", "unchanged", 4, ()),
    ]
    assert snapshot(engine) == before
    assert xmins(engine) == written  # not a row rewritten, even with the same values


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_adapter_makes_the_history_a_fresh_import_would(
    engine, fresh_engine, monkeypatch, change
):
    import_history(engine)
    import_history(engine, AKOOL_HISTORY, "akool")
    versions_before = rows(
        engine,
        "SELECT id, version, fetched_at, recorded_at, raw_hash, "
        "raw_payload FROM catalog_versions ORDER BY id",
    )
    akool_before = provider_rows(engine, "akool")
    transform, first_changed = CHANGES[change]
    change_adapter(monkeypatch, transform)
    import_history(fresh_engine)
    import_history(fresh_engine, AKOOL_HISTORY, "akool")

    [akool, audioshake] = rebuild(engine).outcomes
    assert akool.status == "unchanged"
    assert (audioshake.status, audioshake.replayed_from) == ("rebuilt", first_changed)
    assert [c.version for c in audioshake.changed] == (
        [1, 2, 3, 4] if change == "without_languages" else [2, 3]
    )
    assert audioshake.rows_added > 0
    assert audioshake.rows_removed > 0
    assert normalized(engine) == normalized(fresh_engine)
    # Versions keep their ids, numbers, times and payloads; the other provider is untouched.
    assert versions_before == rows(
        engine,
        "SELECT id, version, fetched_at, recorded_at, "
        "raw_hash, raw_payload FROM catalog_versions ORDER BY id",
    )
    assert provider_rows(engine, "akool") == akool_before
    # Done: again, nothing to do; and history goes on from there like the fresh import's.
    assert [o.status for o in rebuild(engine).outcomes] == ["unchanged", "unchanged"]
    assert store(engine, "audioshake", NEXT, day=10).status == "succeeded"
    assert store(fresh_engine, "audioshake", NEXT, day=10).status == "succeeded"
    assert normalized(engine) == normalized(fresh_engine)


def test_a_version_whose_content_becomes_its_predecessors_is_kept_and_opens_nothing(
    engine, fresh_engine, monkeypatch
):
    history = [
        audioshake_payload(BASS, VOCALS),
        audioshake_payload(BASS, audioshake_model("vocals", price=Decimal("1.5"))),  # languages go
    ]
    import_history(engine, history)
    change_adapter(monkeypatch, without_languages)
    assert store(fresh_engine, "audioshake", history[0], day=0).status == "succeeded"
    assert store(fresh_engine, "audioshake", history[1], day=1).status == "unchanged"

    [outcome] = rebuild(engine).outcomes
    assert (outcome.status, outcome.versions, outcome.replayed_from) == ("rebuilt", 2, 1)
    ours, fresh = normalized(engine), normalized(fresh_engine)
    assert {k: v for k, v in ours.items() if k != "catalog_versions"} == {
        k: v for k, v in fresh.items() if k != "catalog_versions"
    }
    [(_, _, _, first_hash, *_)] = fresh["catalog_versions"]
    assert [(v[1], v[3]) for v in ours["catalog_versions"]] == [(1, first_hash), (2, first_hash)]


def test_a_dry_run_reports_the_change_and_keeps_nothing(engine, monkeypatch):
    import_history(engine)
    before = snapshot(engine)
    stored = dict(rows(engine, "SELECT version, content_hash FROM catalog_versions"))
    change_adapter(monkeypatch, guitar_per_second)
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", engine.url.render_as_string(False))

    code, out = cli("rebuild", "--dry-run", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["dry_run"] is True
    [outcome] = document["providers"]
    assert (outcome["provider"], outcome["status"], outcome["replayed_from"]) == (
        "audioshake",
        "would rebuild",
        2,
    )
    assert [(c["version"], c["old_hash"]) for c in outcome["changed"]] == [
        (2, stored[2]),
        (3, stored[3]),
    ]
    assert all(c["new_hash"] != c["old_hash"] for c in outcome["changed"])
    assert snapshot(engine) == before

    code, table = cli("rebuild", "--dry-run")
    assert code == 0
    assert "dry run: nothing was changed" in table
    assert "would rebuild" in table
    assert f"{stored[2][:12]} " in table
    assert snapshot(engine) == before

    # The real rebuild does what the dry run said.
    [done] = rebuild(engine).outcomes
    assert done.status == "rebuilt"
    assert [dataclasses.asdict(c) for c in done.changed] == outcome["changed"]
    assert (done.rows_added, done.rows_removed) == (outcome["rows_added"], outcome["rows_removed"])


def test_a_payload_that_no_longer_parses_fails_its_provider_and_changes_nothing(
    engine, monkeypatch
):
    import_history(engine)
    import_history(engine, AKOOL_HISTORY, "akool")
    stale_hashes(engine, "akool")  # so that akool, whose payloads parse, is rebuilt
    audioshake_before = provider_rows(engine, "audioshake")
    original = AudioShakeProvider.parse

    def parse(self: AudioShakeProvider, raw: bytes) -> Catalog:
        if b'"guitar"' in raw:
            raise PayloadError("audioshake", "models[2].creditsPerMinute", "must be >= 0")
        return original(self, raw)

    monkeypatch.setattr(AudioShakeProvider, "parse", parse)
    change_adapter(monkeypatch, without_languages)  # the versions before would change
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", engine.url.render_as_string(False))

    code, out = cli("rebuild", "--format", "json")
    assert code == 1
    akool, audioshake = json.loads(out)["providers"]
    assert akool["status"] == "rebuilt"
    assert audioshake["status"] == "failed"
    assert audioshake["error"].startswith(
        "version 2 (observed 2026-01-02T00:00:00+00:00) no longer parses, so audioshake's "
        "history is left as it was: audioshake: invalid payload: models[2].creditsPerMinute"
    )
    assert provider_rows(engine, "audioshake") == audioshake_before
    assert rows(
        engine,
        "SELECT DISTINCT content_hash = 'stale' FROM catalog_versions v "
        "JOIN providers p ON p.id = v.provider_id WHERE p.slug = 'akool'",
    ) == [(False,)]


def test_a_provider_locked_by_another_process_is_skipped(engine, database_url, monkeypatch):
    import_history(engine)
    stale_hashes(engine, "audioshake")
    before = snapshot(engine)
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, database_url, "audioshake"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        code, out = cli("rebuild", "audioshake", "--format", "json")
    finally:
        holder.kill()
        holder.wait(10)
        if holder.stdout:
            holder.stdout.close()
    assert code == 1
    [outcome] = json.loads(out)["providers"]
    assert outcome["status"] == "skipped"
    assert "another process" in outcome["error"]
    assert snapshot(engine) == before


def test_unknown_providers_are_a_usage_error(engine, database_url, monkeypatch):
    with pytest.raises(ConfigError, match="unknown provider 'nope'"):
        rebuild(engine, "nope")
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    assert cli("rebuild", "nope")[0] == 2


BIG = 2000  # models per version


def _writing(engine: Engine) -> bool:
    """Another connection holds the database's write lock (SQLite) or writes the history
    tables (PostgreSQL): a transaction is open, with changes in it."""
    if engine.dialect.name == "postgresql":
        return _postgres_writing(engine)
    return sqlite_write_locked(engine.url.database or "")


@pytest.mark.slow
def test_sigkill_mid_rebuild_leaves_the_previous_history_and_a_later_rebuild_succeeds(
    engine, database_url, spawn
):
    big = [
        audioshake_payload(*(audioshake_model(f"m{i:05d}", price=i % 7 + 1) for i in range(BIG))),
        audioshake_payload(*(audioshake_model(f"m{i:05d}", price=i % 5 + 1) for i in range(BIG))),
        audioshake_payload(*(audioshake_model(f"m{i:05d}", price=i % 3 + 1) for i in range(BIG))),
    ]
    import_history(engine, big)
    reference = normalized(engine)
    stale_hashes(engine, "audioshake")  # every version to be written again
    before = snapshot(engine)

    # The rebuild's test hook pauses it once the history is rewound and version 1 written
    # again: killed there, its transaction is half done.
    env = {**os.environ, "CATALOGSYNC_DATABASE_URL": database_url, TEST_PAUSE: "60"}
    process = spawn("rebuild", "audioshake", env=env, label="killed-rebuild")
    wait_until(lambda: "test hook: pausing" in process.stderr, 60, "the pause", process)
    assert _writing(engine), "paused inside its write transaction"
    process.send(signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL
    assert snapshot(engine) == before

    deadline = time.monotonic() + 15  # PostgreSQL: until the server sees the session gone
    while True:
        [outcome] = rebuild(engine, "audioshake").outcomes
        if outcome.status != "skipped" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (outcome.status, outcome.replayed_from) == ("rebuilt", 1)
    assert (outcome.rows_added, outcome.rows_removed) == (0, 0)  # the same history, new ids
    assert normalized(engine) == reference
