"""``catalogsync price PROVIDER MODEL --at T`` on both databases: the version in effect at
each boundary, the payload hash an auditor can recompute, and models unknown at T."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from catalogsync.db.session import make_engine
from tests.costing_history import OPENROUTER_MODEL, build_history
from tests.helpers import T0, cli, rows

V2 = T0 + timedelta(days=10)  # OpenRouter's second version: prompt 2.5 -> 3 per 1M tokens


@pytest.fixture
def history(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    engine = make_engine(database_url)
    build_history(engine)
    engine.dispose()
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    return database_url


def price(at: str, provider: str = "openrouter", model: str = OPENROUTER_MODEL) -> Any:
    code, out = cli("price", provider, model, "--at", at, "--format", "json")
    assert code == 0
    return json.loads(out, parse_float=Decimal)


def base_input(document: Any) -> Any:
    [found] = [
        p["amount"]
        for p in document["prices"]
        if p["price_type"] == "input_tokens" and p["tier"] == ""
    ]
    return found


@pytest.mark.parametrize(
    ("at", "version", "amount"),
    [
        ((V2 - timedelta(microseconds=1)).isoformat(), 1, Decimal("2.5")),
        (V2.isoformat(), 2, Decimal(3)),
        ((V2 + timedelta(microseconds=1)).isoformat(), 2, Decimal(3)),
        (T0.isoformat(), 1, Decimal("2.5")),
    ],
)
def test_each_version_boundary(history, at, version, amount):
    document = price(at)
    assert document["version"] == version
    assert document["fetched_at"] == (T0 if version == 1 else V2).isoformat()
    assert base_input(document) == amount


def test_the_payload_hash_is_the_stored_bytes_and_what_runs_show_raw_prints(history):
    document = price(V2.isoformat())
    engine = make_engine(history)
    stored = rows(
        engine,
        "SELECT v.raw_payload FROM catalog_versions v JOIN providers p ON p.id = v.provider_id"
        " WHERE p.slug = 'openrouter' AND v.version = 2",
    )[0][0]
    engine.dispose()
    assert document["payload_sha256"] == hashlib.sha256(zlib.decompress(stored)).hexdigest()
    # what an auditor runs: catalogsync runs show ID --raw | sha256sum
    printed = subprocess.run(
        [sys.executable, "-m", "catalogsync", "runs", "show", str(document["run_id"]), "--raw"],
        capture_output=True,
        check=True,
        env={**os.environ, "CATALOGSYNC_DATABASE_URL": history},
    ).stdout
    assert hashlib.sha256(printed).hexdigest() == document["payload_sha256"]
    assert document["payload_bytes"] == len(printed)


def test_csv_and_table_name_the_version_and_hash(history):
    document = price(V2.isoformat())
    code, out = cli(
        "price", "openrouter", OPENROUTER_MODEL, "--at", V2.isoformat(), "--format", "csv"
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("provider,model,at,version,fetched_at,payload_sha256,price_type")
    assert len(lines) == 1 + len(document["prices"])
    assert all(document["payload_sha256"] in line for line in lines[1:])
    code, out = cli("price", "openrouter", OPENROUTER_MODEL, "--at", V2.isoformat())
    assert document["payload_sha256"] in out
    assert f"catalogsync runs show {document['run_id']} --raw" in out


def test_a_model_unknown_at_t_names_the_nearest_versions_that_list_it(history, capsys):
    code, out = cli("price", "audioshake", "drums", "--at", (T0 + timedelta(days=7)).isoformat())
    assert (code, out) == (1, "")
    error = capsys.readouterr().err
    assert "audioshake has no model 'drums' at 2026-01-08T00:00:00Z" in error
    assert "before: version 1 (observed 2026-01-01T00:00:00Z)" in error
    assert "after: version 3 (observed 2026-01-21T00:00:00Z)" in error
    assert price((T0 + timedelta(days=20)).isoformat(), "audioshake", "drums")["version"] == 3


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ("openrouter", "no/such", "--at", "2026-01-02"),
            "no version of openrouter ever listed it",
        ),
        (("nobody", "x"), "there is no provider 'nobody' with stored versions"),
        (("openrouter", OPENROUTER_MODEL, "--at", "2025-12-31T23:59:59Z"), "its first, version 1"),
    ],
)
def test_unknown_models_and_providers_exit_1(history, capsys, argv, words):
    assert cli("price", *argv) == (1, "")
    assert words in capsys.readouterr().err
