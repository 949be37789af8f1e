"""OpenRouter through the command line, on SQLite and PostgreSQL.

A payload using every pricing key lands every price point (type, tier, unit, exact amount)
through ``sync`` against the local server; a sequence of payloads imported with
``--observed-at`` gives exactly the price changes this test computes on its own from the
payloads, and ``diff`` names exactly the models added and removed; with ``endpoints = true``
a failing model endpoint fails the sync and removes nothing.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import select

from catalogsync.db.session import make_engine
from catalogsync.db.views import price_changes, price_history
from tests.factories import openrouter_model, openrouter_payload
from tests.helpers import cli, use_local_server
from tests.provider_server import ProviderServer

FIXTURES = Path(__file__).parent / "fixtures" / "providers" / "openrouter"
START = datetime(2026, 1, 1, tzinfo=UTC)
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The test's own reading of OpenRouter's pricing keys (the adapter's is not consulted).
PER_TOKEN = {
    "prompt": "input_tokens",
    "completion": "output_tokens",
    "input_cache_read": "cache_read_tokens",
    "input_cache_write": "cache_write_tokens",
    "input_cache_write_1h": "cache_write_1h_tokens",
    "internal_reasoning": "reasoning_tokens",
    "audio": "input_audio_tokens",
    "audio_output": "output_audio_tokens",
    "input_audio_cache": "input_audio_cache_tokens",
    "image_token": "input_image_tokens",
}
OTHER = {
    "request": ("request", "USD/request"),
    "image": ("input_image", "USD/image"),
    "image_output": ("output_image", "USD/image"),
    "web_search": ("web_search", "USD/request"),
}


def _amount(text: str, per_token: bool) -> Decimal | None:
    value = Decimal(text)
    if value < 0:
        return None
    return value * Decimal(10) ** 6 if per_token else value


def _point(key: str, text: str) -> tuple[str, str, Decimal | None]:
    if key in PER_TOKEN:
        return PER_TOKEN[key], "USD/1M tokens", _amount(text, True)
    price_type, unit = OTHER.get(key, (key, "USD/unit"))
    return price_type, unit, _amount(text, False)


def _tier(override: dict[str, Any]) -> str:
    parts = []
    if "min_prompt_tokens" in override:
        parts.append(f"input_tokens>{override['min_prompt_tokens']}")
    if "utc_start" in override:
        start, end = override["utc_start"], override["utc_end"]
        window = f"utc {start // 100:02d}:{start % 100:02d}-{end // 100:02d}:{end % 100:02d}"
        if override.get("utc_days"):
            named = {day.lower()[:3] for day in override["utc_days"]}
            window += " on " + ",".join(d for d in WEEK if d in named)
        parts.append(window)
    return " and ".join(parts)


def expected_points(payload: dict[str, Any]) -> dict[tuple[str, ...], Decimal | None]:
    """(model, price_type, tier, unit) -> amount, as this test reads the payload."""
    points: dict[tuple[str, ...], Decimal | None] = {}
    for model in payload["data"]:
        pricing = model.get("pricing") or {}
        for key, text in pricing.items():
            if key not in {"overrides", "discount"}:
                price_type, unit, amount = _point(key, text)
                points[(model["id"], price_type, "", unit)] = amount
        for override in pricing.get("overrides", []):
            for key, text in override.items():
                if key not in {"min_prompt_tokens", "utc_start", "utc_end", "utc_days"}:
                    price_type, unit, amount = _point(key, text)
                    points[(model["id"], price_type, _tier(override), unit)] = amount
    return points


def _model(ident, prompt="0.0000025", completion="0.00001", **pricing):
    return openrouter_model(ident, prompt, completion, pricing=pricing)


GPT = "openai/gpt-4o"
CLAUDE = "anthropic/claude-sonnet-4"
AUTO = "openrouter/auto"
FREE = "meta-llama/llama-3.3-70b-instruct:free"
R1 = "deepseek/deepseek-r1"
LONG = {"min_prompt_tokens": 200000, "prompt": "0.000006", "completion": "0.0000225"}
NIGHT = {"utc_start": 1630, "utc_end": 30, "utc_days": ["sat", "sun"], "prompt": "0.0000002"}


def _sequence() -> list[dict[str, Any]]:
    gpt, claude = _model(GPT), _model(CLAUDE, "0.000003", "0.000015", overrides=[LONG])
    auto, free = _model(AUTO, "-1", "-1"), _model(FREE, "0", "0")
    r1 = _model(R1, "0.0000004", "0.000002", internal_reasoning="0.000002", overrides=[NIGHT])
    steps = [[gpt, claude, auto]]

    def step(*models: dict[str, Any]) -> None:
        steps.append([copy.deepcopy(m) for m in models])

    gpt["pricing"]["input_cache_read"] = "0.00000125"  # a key comes
    step(gpt, claude, auto, free)  # a model appears
    gpt["pricing"]["prompt"] = "0.000002"  # a price moves
    claude["pricing"]["overrides"] = [{**LONG, "prompt": "0.000007"}]  # a tier's price moves
    step(gpt, claude, auto, free)
    step(gpt, claude, auto, r1)  # one goes, one comes (with a time window on days)
    del gpt["pricing"]["input_cache_read"]  # a key goes
    claude["pricing"]["overrides"].append({"min_prompt_tokens": 1000000, "prompt": "0.00001"})
    step(gpt, claude, auto, r1)
    auto["pricing"].update(prompt="0.000001", completion="0.000002")  # variable -> fixed
    step(gpt, claude, auto, r1)
    r1["pricing"].pop("overrides")  # a window's tier goes
    gpt["pricing"]["x_new_price"] = "0.5"  # an unknown key comes
    step(gpt, claude, auto, r1)
    claude["pricing"]["input_cache_read"] = "0.000000002"  # many decimals
    step(gpt, claude, auto, r1, free)  # a model returns
    step(free, r1, auto, claude, gpt)  # the same content, reordered
    gpt["pricing"]["completion"] = "0.000012"
    auto["pricing"].update(prompt="-1", completion="-1")  # fixed -> variable
    step(gpt, auto, r1, free)  # claude goes
    step(gpt, auto, r1, free, claude)  # and returns
    return [openrouter_payload(*models) for models in steps]


def _changes(old: dict, new: dict, at: datetime) -> list[tuple[Any, ...]]:
    found = []
    for key in old.keys() | new.keys():
        if key not in new:
            found.append((*key, "removed", old[key], None, at))
        elif key not in old:
            found.append((*key, "added", None, new[key], at))
        elif old[key] != new[key]:
            found.append((*key, "changed", old[key], new[key], at))
    return found


def test_a_sequence_of_imports_gives_exactly_the_expected_changes(
    database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    payloads = _sequence()
    assert len(payloads) >= 10
    expected: list[tuple[Any, ...]] = []
    previous: dict = {}
    for index, payload in enumerate(payloads):
        path = tmp_path / f"openrouter-{index}.json"
        path.write_text(json.dumps(payload))
        at = START + timedelta(days=index)
        code, out = cli("import", "openrouter", str(path), "--observed-at", at.isoformat())
        assert code == 0, out
        current = expected_points(payload)
        expected += _changes(previous, current, at)
        previous = current

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            view = price_changes.c
            stored = conn.execute(
                select(
                    view.model_id,
                    view.price_type,
                    view.tier,
                    view.unit,
                    view.change,
                    view.old_amount,
                    view.new_amount,
                    view.changed_at,
                ).where(view.provider == "openrouter", view.variant == "")
            ).all()
    finally:
        engine.dispose()
    assert Counter(map(tuple, stored)) == Counter(expected)

    # diff names exactly the models added and removed between consecutive versions.
    code, out = cli("versions", "openrouter", "--format", "json")
    versions = sorted(json.loads(out), key=lambda v: v["version"])
    assert len(versions) == len(payloads) - 1  # the reordered payload is no new version
    by_time = {START + timedelta(days=i): p for i, p in enumerate(payloads)}
    for before, after in pairwise(versions):
        old = _ids(by_time, before["fetched_at"])
        new = _ids(by_time, after["fetched_at"])
        code, out = cli(
            "diff",
            "openrouter",
            "--from",
            str(before["version"]),
            "--to",
            str(after["version"]),
            "--format",
            "json",
        )
        diff = json.loads(out)
        assert (sorted(diff["added"]), sorted(diff["removed"])) == (
            sorted(new - old),
            sorted(old - new),
        )


def _ids(by_time: dict[datetime, dict[str, Any]], fetched_at: str) -> set[str]:
    when = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    return {m["id"] for m in by_time[when]["data"]}


def _current(database_url: str) -> list[tuple[Any, ...]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            c = price_history.c
            return sorted(
                map(
                    tuple,
                    conn.execute(
                        select(
                            c.model_id,
                            c.price_type,
                            c.variant,
                            c.tier,
                            c.service_tier,
                            c.region,
                            c.unit,
                            c.currency,
                            c.amount,
                        ).where(c.provider == "openrouter", c.valid_to.is_(None))
                    ).all(),
                ),
                key=repr,
            )
    finally:
        engine.dispose()


def test_every_pricing_key_lands_through_sync(
    database_url, provider_server: ProviderServer, monkeypatch
):
    use_local_server(monkeypatch, provider_server, database_url)
    payload = json.loads((FIXTURES / "every_pricing_key.json").read_text())
    provider_server.set_json("openrouter", payload)
    code, out = cli("sync", "openrouter", "--format", "json")
    assert code == 0, out
    expected = sorted(
        (model, price_type, "", tier, "", "", unit, "USD", amount)
        for (model, price_type, tier, unit), amount in expected_points(payload).items()
    )
    assert len(expected) == 18
    assert Counter(_current(database_url)) == Counter(expected)


def test_a_failing_model_endpoint_fails_the_sync_and_removes_nothing(
    database_url, provider_server: ProviderServer, monkeypatch, tmp_path
):
    use_local_server(monkeypatch, provider_server, database_url)
    config = tmp_path / "catalogsync.toml"
    config.write_text("[providers.openrouter]\nendpoints = true\nendpoints_concurrency = 2\n")
    combined = json.loads((FIXTURES / "combined_with_endpoints.json").read_text())
    provider_server.set_json("openrouter", combined["models"])
    for model, body in combined["endpoints"].items():
        provider_server.route(f"/api/v1/models/{model}/endpoints", f"endpoints-{model}")
        provider_server.set_json(f"endpoints-{model}", body)
    code, out = cli("--config", str(config), "sync", "openrouter", "--format", "json")
    assert code == 0, out
    before = _current(database_url)
    assert {row[2] for row in before} == {"", "alibaba", "deepinfra/fp8"}

    provider_server.set_json("endpoints-qwen/qwen3.7-flash", {"error": "down"}, status=503)
    code, out = cli("--config", str(config), "sync", "openrouter", "--format", "json")
    (outcome,) = json.loads(out)
    assert (code, outcome["status"]) == (1, "failed")
    assert "endpoints of model 'qwen/qwen3.7-flash'" in outcome["error"]
    assert _current(database_url) == before
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            c = price_changes.c
            changes = conn.execute(select(c.change).where(c.provider == "openrouter")).all()
    finally:
        engine.dispose()
    assert {change for (change,) in changes} == {"added"}

    # The stored payload is the combined document: a rebuild re-parses it to the same history.
    code, out = cli("rebuild", "openrouter", "--dry-run", "--format", "json")
    assert code == 0, out
    assert [p["status"] for p in json.loads(out)["providers"]] == ["unchanged"]
    code, raw = cli("runs", "show", "1", "--raw")
    assert code == 0
    assert set(json.loads(raw)) == {"models", "endpoints"}
