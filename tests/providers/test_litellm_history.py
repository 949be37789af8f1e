"""litellm end to end, on both databases: a file using every price key through ``sync``
against the local server and through ``import``, and a history of twelve files imported
with ``--observed-at`` whose price changes and model diffs the test works out on its own.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalogsync.db.session import make_engine
from catalogsync.present.output import dumps_json
from tests.helpers import cli, rows, use_local_server
from tests.provider_server import ProviderServer
from tests.providers.conftest import fixture_path
from tests.providers.test_litellm import EVERY_COST_KEY

PRICE_COLUMNS = "model_id, price_type, variant, tier, service_tier, unit, currency, amount"

# The test's own reading of the price keys its history uses: key ->
# (price_type, tier, service_tier, unit, factor), written out by hand.
M = Decimal(1_000_000)
READING: dict[str, tuple[str, str, str, str, Decimal]] = {
    "input_cost_per_token": ("input_tokens", "", "", "USD/1M tokens", M),
    "output_cost_per_token": ("output_tokens", "", "", "USD/1M tokens", M),
    "input_cost_per_token_above_200k_tokens": (
        "input_tokens", "input_tokens>200000", "", "USD/1M tokens", M,
    ),
    "output_cost_per_token_above_272k_tokens": (
        "output_tokens", "input_tokens>272000", "", "USD/1M tokens", M,
    ),
    "input_cost_per_token_batches": ("input_tokens", "", "batch", "USD/1M tokens", M),
    "output_cost_per_token_flex": ("output_tokens", "", "flex", "USD/1M tokens", M),
    "input_cost_per_token_priority": ("input_tokens", "", "priority", "USD/1M tokens", M),
    "cache_read_input_token_cost": ("cache_read_tokens", "", "", "USD/1M tokens", M),
    "cache_creation_input_token_cost_above_1hr": (
        "cache_write_1h_tokens", "", "", "USD/1M tokens", M,
    ),
    "input_cost_per_second": ("input_per_second", "", "", "USD/second", Decimal(1)),
    "output_cost_per_image": ("output_image", "", "", "USD/image", Decimal(1)),
    "input_cost_per_token_cache_hit": (
        "input_cost_per_token_cache_hit", "", "", "USD/unit", Decimal(1),
    ),
}  # fmt: skip
PRICE_KEYS = sorted(READING)
AMOUNTS = ["0", "0.0", "1e-07", "2.5e-06", "1.25e-06", "3e-06", "1.5e-05", "0.04", "6e-06"]


def _amount(rng: random.Random) -> Any:
    return json.loads(rng.choice(AMOUNTS), parse_float=Decimal)


def _entry(rng: random.Random) -> dict[str, Any]:
    keys = rng.sample(PRICE_KEYS, rng.randint(1, 5))
    entry: dict[str, Any] = {k: _amount(rng) for k in keys}
    entry.update({"litellm_provider": rng.choice(["openai", "anthropic"]), "mode": "chat"})
    return entry


def history(seed: int = 13, steps: int = 12) -> list[dict[str, Any]]:
    """``steps`` files: models appear, disappear, return and are renamed; price keys (tiers
    and service tiers among them) come, go and change; integers become floats."""
    rng = random.Random(seed)
    models = {f"provider/model-{i}": _entry(rng) for i in range(8)}
    files = []
    gone: dict[str, dict[str, Any]] = {}
    for step in range(steps):
        if step:
            current = list(models)
            action = step % 4
            if action == 0 and len(current) > 6:  # a model disappears (it may come back)
                name = rng.choice(current)
                gone[name] = models.pop(name)
            elif action == 1:  # a new model, or one that disappeared returns
                if gone and rng.random() < 0.5:
                    name = rng.choice(sorted(gone))
                    models[name] = gone.pop(name)
                else:
                    models[f"provider/new-{step}"] = _entry(rng)
            elif action == 2:  # a rename
                old = rng.choice(current)
                models[old + "-renamed"] = models.pop(old)
            for name in rng.sample(sorted(models), 3):  # prices change, come and go
                entry = models[name]
                key = rng.choice(PRICE_KEYS)
                if key in entry and rng.random() < 0.3 and len(entry) > 3:
                    del entry[key]
                else:
                    entry[key] = _amount(rng)
        files.append(
            {
                "sample_spec": {"input_cost_per_token": "prose"},
                "last_updated": f"step {step}",
                **copy.deepcopy(models),
            }
        )
    return files


def expected_prices(document: dict[str, Any]) -> dict[tuple[str, ...], Decimal]:
    """The price points of a file, by the test's own reading (``READING``)."""
    points: dict[tuple[str, ...], Decimal] = {}
    for model_id, entry in document.items():
        if model_id == "sample_spec" or not isinstance(entry, dict):
            continue
        for key, value in entry.items():
            if key in READING:
                price_type, tier, service_tier, unit, factor = READING[key]
                points[(model_id, price_type, "", tier, service_tier, unit)] = (
                    Decimal(str(value)) * factor
                )
    return points


def expected_changes(files: list[dict[str, Any]], versions: list[int]) -> list[tuple[Any, ...]]:
    """Every price added, changed and removed between consecutive files, with the version
    (as stored) of the file that made it."""
    changes = []
    before: dict[tuple[str, ...], Decimal] = {}
    for document, version in zip(files, versions, strict=True):
        after = expected_prices(document)
        step = []
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key), after.get(key)
            if old is None:
                step.append((*key, "added", None, new))
            elif new is None:
                step.append((*key, "removed", old, None))
            elif old != new:
                step.append((*key, "changed", old, new))
        changes += [(*c, version) for c in step]
        before = after
    return sorted(changes, key=repr)


def _import(tmp_path: Path, document: dict[str, Any], day: date) -> dict[str, Any]:
    path = tmp_path / f"prices-{day}.json"
    path.write_text(dumps_json(document), encoding="utf-8")
    code, out = cli("import", "litellm", str(path), "--observed-at", str(day), "--format", "json")
    assert code == 0, out
    [outcome] = json.loads(out)
    return dict(outcome)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def test_a_history_of_twelve_files_gives_exactly_the_price_changes_and_diffs(
    database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    files = history()
    assert len(files) >= 10
    start = date(2026, 1, 1)
    versions = []
    for index, document in enumerate(files):
        outcome = _import(tmp_path, document, start + timedelta(days=index))
        versions.append(outcome["version"])

    code, out = cli(
        "report", "prices", "--provider", "litellm", "--format", "json", "--include-first-version"
    )
    assert code == 0
    report = [
        (
            r["model_id"], r["price_type"], r["variant"], r["tier"], r["service_tier"], r["unit"],
            r["change"], _number(r["old_amount"]), _number(r["new_amount"]), r["catalog_version"],
        )
        for r in json.loads(out, parse_float=Decimal)
    ]  # fmt: skip
    assert sorted(report, key=repr) == expected_changes(files, versions)
    assert any(r[3] for r in report)  # tiers and service tiers are among them
    assert any(r[4] for r in report)

    # Each version's diff names exactly the models added and removed.
    for index in range(1, len(files)):
        old, new = versions[index - 1], versions[index]
        if old == new:
            continue
        before = {k for k, v in files[index - 1].items() if isinstance(v, dict)} - {"sample_spec"}
        after = {k for k, v in files[index].items() if isinstance(v, dict)} - {"sample_spec"}
        code, out = cli("diff", "litellm", "--from", str(old), "--to", str(new), "--format", "json")
        assert code == 0, out
        diff = json.loads(out)
        assert sorted(diff["added"]) == sorted(after - before)
        assert sorted(diff["removed"]) == sorted(before - after)


def _stored(database_url: str) -> list[tuple[Any, ...]]:
    engine = make_engine(database_url)
    try:
        return [
            (*row[:7], Decimal(str(row[7])))
            for row in rows(engine, f"SELECT {PRICE_COLUMNS} FROM current_prices")
        ]
    finally:
        engine.dispose()


def _every_cost_key_rows() -> list[tuple[Any, ...]]:
    found = [
        ("every/cost-key", t, v, tier, st, unit, "USD", Decimal(a))
        for t, v, tier, st, unit, a in EVERY_COST_KEY
    ]
    found += [
        ("legacy/per-1k", "input_tokens", "", "", "", "USD/1M tokens", "USD", Decimal("1.5")),
        ("legacy/per-1k", "output_tokens", "", "", "", "USD/1M tokens", "USD", Decimal(2)),
    ]
    return sorted(found)


def test_every_price_key_through_sync_against_the_local_server(
    database_url, provider_server: ProviderServer, monkeypatch
):
    use_local_server(monkeypatch, provider_server, database_url)
    monkeypatch.delenv("LITELLM_API_KEY")  # a public file: no key needed
    provider_server.set_raw("litellm", fixture_path("litellm", "every_cost_key.json").read_bytes())
    code, out = cli("sync", "litellm", "--format", "json")
    assert code == 0, out
    assert json.loads(out)[0]["status"] == "succeeded"
    assert sorted(_stored(database_url)) == _every_cost_key_rows()
    [request] = provider_server.requests
    assert request.path == "/BerriAI/litellm/main/model_prices_and_context_window.json"
    assert "Authorization" not in request.headers

    # The same content, reordered and respelled (0 -> 0.0, 3e-06 -> 0.000003): unchanged.
    respelled = fixture_path("litellm", "every_cost_key_reordered_and_respelled.json")
    provider_server.set_raw("litellm", respelled.read_bytes())
    code, out = cli("sync", "litellm", "--format", "json")
    assert json.loads(out)[0]["status"] == "unchanged"


def test_import_takes_the_verbatim_file(database_url, monkeypatch):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    path = fixture_path("litellm", "every_cost_key.json")
    code, out = cli(
        "import", "litellm", str(path), "--observed-at", "2026-01-01", "--format", "json"
    )
    assert code == 0, out
    assert json.loads(out)[0]["model_count"] == 2
    assert sorted(_stored(database_url)) == _every_cost_key_rows()
    code, out = cli("models", "litellm", "--format", "json")
    assert code == 0, out
    listed = {m["model_id"]: m for m in json.loads(out)}
    assert listed["every/cost-key"]["category"] == "chat"
    assert len(listed["every/cost-key"]["prices"]) == len(EVERY_COST_KEY)
