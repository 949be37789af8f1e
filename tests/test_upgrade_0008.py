"""Upgrading a database that the code before schema 0008 wrote. Both databases.

``tests/fixtures/upgrade/history_0007.json`` holds every row a history of imports left in
a schema 0007 database when written by the code of that revision (the payloads it
imported are in the file too). The test loads those rows into a database migrated to
0007, upgrades it, and checks that the stored content hashes stay valid (the same
catalog, sent as other bytes, is ``unchanged``), that the prices got their currency and
the new dimensions their defaults, and that everything reads back as before.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from catalogsync import api
from catalogsync.cli import main
from catalogsync.codec import dumps_exact
from catalogsync.db.migrate import SCHEMA_REVISION, upgrade
from catalogsync.db.session import make_engine
from tests.conftest import postgres_database
from tests.helpers import rows, settings, store
from tests.test_rebuild import normalized

FIXTURE = Path(__file__).parent / "fixtures" / "upgrade" / "history_0007.json"
PREVIOUS = "0007"


def _value(column: sa.Column[Any], value: Any) -> Any:
    """A dumped value (SQLite's storage) as the Python value the column takes."""
    if value is None:
        return None
    if isinstance(value, dict) and "base64" in value:
        return base64.b64decode(value["base64"])
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return value
    if kind is datetime:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    if kind is Decimal:
        return Decimal(value)
    if kind is bool:
        return bool(value)
    return value


def load_previous_history(engine: sa.Engine) -> dict[str, Any]:
    """Migrate to 0007 and insert the rows the previous code wrote; return the fixture."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"), parse_float=Decimal)
    upgrade(engine, PREVIOUS)
    with engine.begin() as conn:
        for name, dumped in data["tables"].items():
            if name == "alembic_version":
                continue
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            conn.execute(
                sa.insert(table),
                [
                    {
                        column: _value(table.c[column], value)
                        for column, value in zip(dumped["columns"], row, strict=True)
                    }
                    for row in dumped["rows"]
                ],
            )
        if conn.dialect.name == "postgresql":  # the ids came with the rows
            for name in data["tables"]:
                if name != "alembic_version":
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT MAX(id) FROM {name}))"
                        )
                    )
    return dict(data)


@pytest.fixture
def previous(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, Any]]:
    engine = make_engine(empty_database_url)
    try:
        data = load_previous_history(engine)
    finally:
        engine.dispose()
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", empty_database_url)
    return empty_database_url, data


@pytest.fixture
def fresh(empty_database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second database of the same backend, migrated to the newest schema."""
    if empty_database_url.startswith("sqlite"):
        path = tmp_path / "fresh.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with postgres_database("fresh", request.getfixturevalue("postgres_template")) as (_, url):
        yield url


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def test_an_identical_catalog_after_the_upgrade_is_unchanged(previous, tmp_path):
    url, data = previous
    engine = make_engine(url)
    try:
        hashes_before = rows(engine, "SELECT id, content_hash FROM catalog_versions ORDER BY id")
        assert run("db", "upgrade")[0] == 0
        assert rows(engine, "SELECT version_num FROM alembic_version") == [(SCHEMA_REVISION,)]
        assert rows(engine, "SELECT id, content_hash FROM catalog_versions ORDER BY id") == (
            hashes_before
        )
        for provider, payloads in data["payloads"].items():
            # The same content as other bytes (keys sorted, indented): the raw-bytes
            # shortcut does not apply, so the content hash decides.
            path = tmp_path / f"{provider}.json"
            path.write_text(dumps_exact(payloads[-1], sort_keys=True, indent=4), encoding="utf-8")
            code, out = run("import", provider, str(path), "--format", "json")
            assert code == 0, out
            assert json.loads(out)[0]["status"] == "unchanged", provider
        # Prices got the currency their unit names and the new dimensions' defaults.
        assert rows(
            engine,
            "SELECT DISTINCT p.slug, pr.currency, pr.tier, pr.service_tier, pr.region"
            " FROM prices pr JOIN providers p ON p.id = pr.provider_id ORDER BY 1",
        ) == [
            ("akool", None, "", "", ""),
            ("audioshake", None, "", "", ""),
            ("auriko", "USD", "", "", ""),
        ]
        assert rows(engine, "SELECT DISTINCT kind FROM price_history") == [("fixed",)]
    finally:
        engine.dispose()
    # The history reads back whole: versions, the catalog as of the first day, its prices.
    code, out = run("versions", "--format", "json")
    assert [v["version"] for v in json.loads(out) if v["provider"] == "akool"] == [1, 2, 3]
    code, out = run(
        "report", "prices", "--provider", "akool", "--format", "json", "--include-first-version"
    )
    assert [(r["variant"], r["change"]) for r in json.loads(out)] == [
        ("1080p", "added"),
        ("720p", "added"),
        ("4k", "added"),
        ("720p", "changed"),
        ("480p", "added"),
        ("1080p", "changed"),
        ("4k", "removed"),
    ]


def test_a_rebuild_after_the_upgrade_equals_a_fresh_import(previous, fresh):
    """The upgraded history, rebuilt with today's adapters, is what importing the same
    payloads at the same times into a new database gives: every history table alike, ids
    aside (providers by name, versions by number, formats by label)."""
    url, data = previous
    assert run("db", "upgrade")[0] == 0
    engine, fresh_engine = make_engine(url), make_engine(fresh)
    try:
        report = api.rebuild(api.Database(engine), settings(), ())
        assert report.ok, report
        for provider, payloads in data["payloads"].items():
            for day, payload in enumerate(payloads):
                assert store(fresh_engine, provider, payload, day=day).status == "succeeded"
        assert normalized(engine) == normalized(fresh_engine)
    finally:
        engine.dispose()
        fresh_engine.dispose()
