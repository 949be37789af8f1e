"""Months of models.dev and OpenAI-compatible snapshots, imported in order. Both databases.

Each adapter gets a sequence of twelve payloads shaped like real snapshots: models
appearing, disappearing and returning, prices with many decimals, tiers coming and going,
unpriced models, fields added without notice. They are imported with ``--observed-at``;
the price changes the database reports must be exactly those this test computes from the
payloads on its own (a small reading of the documented shapes, independent of the
adapters), and ``diff`` must name exactly the models added and removed.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli

Key = tuple[str, str, str, str]  # model id, price type, tier, unit
START = datetime(2026, 1, 1, tzinfo=UTC)
MODELSDEV_FIELDS = {
    "input": "input_tokens",
    "output": "output_tokens",
    "reasoning": "reasoning_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
    "input_audio": "input_audio_tokens",
    "output_audio": "output_audio_tokens",
}
TOKENS = "USD/1M tokens"


def _amount(rng: random.Random) -> Decimal:
    """A price with up to 12 decimals, as real catalogs publish some."""
    return Decimal(rng.randrange(0, 10**7)).scaleb(-rng.choice([2, 4, 7, 12]))


# --- models.dev ---------------------------------------------------------------------------


def _modelsdev_model(rng: random.Random, model_id: str, step: int) -> dict[str, Any]:
    model: dict[str, Any] = {"id": model_id, "name": model_id.upper(), "last_updated": "2026-01"}
    if rng.random() < 0.2:
        return model  # unpriced
    fields = rng.sample(sorted(MODELSDEV_FIELDS), rng.randint(1, 4))
    model["cost"] = {f: _amount(rng) for f in fields}
    if rng.random() < 0.4:
        size = rng.choice([128000, 200000, 272000])
        tier = {f: _amount(rng) for f in rng.sample(fields, rng.randint(1, len(fields)))}
        model["cost"]["tiers"] = [{"tier": {"type": "context", "size": size}, **tier}]
    elif rng.random() < 0.3:
        model["cost"]["context_over_200k"] = {f: _amount(rng) for f in fields[:1]}
    if step > 5:
        model["new_field_from_step_6"] = step  # a field added without notice
    return model


def modelsdev_payloads(seed: int, count: int = 12) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pool = [("openai", f"gpt-{i}") for i in range(5)] + [
        ("google", f"gemini-{i}") for i in range(5)
    ]
    present = set(pool[:6])
    payloads = []
    for step in range(count):
        if step:
            leaving = rng.sample(sorted(present), 1)
            returning = rng.sample(sorted(set(pool) - present), min(2, len(set(pool) - present)))
            present = (present - set(leaving)) | set(returning)  # some return after a gap
        document: dict[str, Any] = {}
        for provider, model_id in sorted(present):
            entry = document.setdefault(
                provider, {"id": provider, "name": provider.title(), "env": [], "models": {}}
            )
            model = _modelsdev_model(rng, model_id, step)
            model["last_updated"] = f"2026-{step + 1:02d}"  # every snapshot differs
            entry["models"][model_id] = model
        payloads.append(document)
    return payloads


def modelsdev_prices(document: dict[str, Any]) -> dict[Key, Decimal]:
    prices: dict[Key, Decimal] = {}
    for provider, entry in document.items():
        for model_id, model in entry["models"].items():
            ident = f"{provider}/{model_id}"
            cost = model.get("cost") or {}
            for field, amount in cost.items():
                if field in MODELSDEV_FIELDS:
                    prices[ident, MODELSDEV_FIELDS[field], "", TOKENS] = amount
            for tier in cost.get("tiers", []):
                condition = f"input_tokens>{tier['tier']['size']}"
                for field, amount in tier.items():
                    if field != "tier":
                        prices[ident, MODELSDEV_FIELDS[field], condition, TOKENS] = amount
            for field, amount in cost.get("context_over_200k", {}).items():
                prices[ident, MODELSDEV_FIELDS[field], "input_tokens>200000", TOKENS] = amount
    return prices


def modelsdev_ids(document: dict[str, Any]) -> set[str]:
    return {f"{p}/{m}" for p, entry in document.items() for m in entry["models"]}


# --- OpenAI-compatible --------------------------------------------------------------------


def openai_payloads(seed: int, count: int = 12) -> list[Any]:
    rng = random.Random(seed)
    pool = [f"model-{i}" for i in range(10)]
    present = set(pool[:6])
    payloads: list[Any] = []
    for step in range(count):
        if step:
            leaving = rng.sample(sorted(present), 1)
            returning = rng.sample(sorted(set(pool) - present), min(2, len(set(pool) - present)))
            present = (present - set(leaving)) | set(returning)
        items = []
        for model_id in sorted(present):
            item: dict[str, Any] = {
                "id": model_id,
                "object": "model",
                "created": 1700000000,
                "owned_by": "org",
                "snapshot": step,
            }
            shape = rng.choice(["none", "per_token", "per_million"])
            if shape == "per_token":
                item["pricing"] = {
                    "prompt": str(_amount(rng).scaleb(-6)),
                    "completion": str(_amount(rng).scaleb(-6)),
                }
                if rng.random() < 0.5:
                    item["pricing"]["input_cache_read"] = str(_amount(rng).scaleb(-6))
            elif shape == "per_million":
                item["pricing"] = {"input": _amount(rng), "output": _amount(rng)}
            items.append(item)
        # Some APIs answer a bare list, others the envelope, and one API may switch.
        payloads.append(items if step % 3 == 2 else {"object": "list", "data": items})
    return payloads


def openai_prices(document: Any) -> dict[Key, Decimal]:
    items = document["data"] if isinstance(document, dict) else document
    names = {
        "prompt": "input_tokens",
        "completion": "output_tokens",
        "input_cache_read": "cache_read_tokens",
        "input": "input_tokens",
        "output": "output_tokens",
    }
    prices: dict[Key, Decimal] = {}
    for item in items:
        pricing = item.get("pricing", {})
        per_token = "prompt" in pricing
        for field, value in pricing.items():
            amount = Decimal(value) * (10**6 if per_token else 1)
            prices[item["id"], names[field], "", TOKENS] = amount
    return prices


def openai_ids(document: Any) -> set[str]:
    items = document["data"] if isinstance(document, dict) else document
    return {item["id"] for item in items}


# --- the test -------------------------------------------------------------------------------

ADAPTERS = {
    "modelsdev": (modelsdev_payloads, modelsdev_prices, modelsdev_ids),
    "openai_compatible": (openai_payloads, openai_prices, openai_ids),
}


def expected_changes(snapshots: list[dict[Key, Decimal]]) -> set[tuple[Any, ...]]:
    changes: set[tuple[Any, ...]] = set()
    previous: dict[Key, Decimal] = {}
    for version, current in enumerate(snapshots, start=1):
        for key in current.keys() | previous.keys():
            old, new = previous.get(key), current.get(key)
            if old is None:
                changes.add((*key, None, new, "added", version))
            elif new is None:
                changes.add((*key, old, None, "removed", version))
            elif old != new:
                changes.add((*key, old, new, "changed", version))
        previous = current
    return changes


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.mark.parametrize("provider", sorted(ADAPTERS))
def test_a_sequence_of_snapshots_gives_exactly_the_computed_changes(
    provider: str, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    make, price_points, model_ids = ADAPTERS[provider]
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    # openai_compatible has no default host: a provider only once it is given one.
    monkeypatch.setenv("CATALOGSYNC_OPENAI_COMPATIBLE_BASE_URL", "https://api.example.test")
    payloads = make(seed=13)
    assert len(payloads) >= 10
    for step, payload in enumerate(payloads):
        path = tmp_path / f"{step}.json"
        path.write_bytes(_dumps(payload))
        observed = (START + timedelta(days=30 * step)).isoformat()
        code, out = cli("import", provider, str(path), "--observed-at", observed)
        assert code == 0, out

    code, out = cli(
        "report", "prices", "--provider", provider, "--format", "json", "--include-first-version"
    )
    assert code == 0, out
    reported = {
        (
            r["model_id"],
            r["price_type"],
            r["tier"],
            r["unit"],
            _decimal(r["old_amount"]),
            _decimal(r["new_amount"]),
            r["change"],
            r["catalog_version"],
        )
        for r in json.loads(out)
    }
    assert all(r["service_tier"] == r["region"] == r["variant"] == "" for r in json.loads(out))
    assert reported == expected_changes([price_points(p) for p in payloads])

    for version in range(2, len(payloads) + 1):
        code, out = cli(
            "diff", provider, "--from", str(version - 1), "--to", str(version), "--format", "json"
        )
        assert code == 0, out
        diff = json.loads(out)
        before, after = model_ids(payloads[version - 2]), model_ids(payloads[version - 1])
        assert sorted(diff["added"]) == sorted(after - before)
        assert sorted(diff["removed"]) == sorted(before - after)


def _dumps(payload: Any) -> bytes:
    """JSON with every Decimal written as the exact number it is."""
    from catalogsync.present.output import dumps_json

    return dumps_json(payload).encode()
