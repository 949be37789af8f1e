"""A price history for the costing tests, built by importing real-shaped payloads.

- ``openrouter``: ``every_pricing_key.json`` (every pricing key, a long-context tier, a
  time window ``utc 10:00-01:00 on mon,sat`` and a tier combining both) observed at T0,
  the same with the prompt price moved from 2.5 to 3 (per 1M tokens) at T0 + 10 days,
  and a router with a variable price;
- ``litellm``: ``every_cost_key.json`` (service tiers, three long-context tiers, search
  sizes as variants, per second, pixel, character, query prices, a per-1K model) at T0;
- ``akool``: its documented example (credits per resolution: variants) at T0;
- ``audioshake``: bass (3 credits/minute) and drums (1.5), at T0; drums removed at
  T0 + 5 days and back at T0 + 20 days;
- ``together`` (an ``openai_compatible`` instance): Together's model list, Llama 3.3 70B at
  0.88 per 1M tokens in and out and 2.5 USD an hour, at T0.

T0 (2026-01-01) is a Thursday; 2026-01-05 a Monday, 2026-01-06 a Tuesday.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from catalogsync.config import ProviderSettings, Settings
from tests.factories import audioshake_model, audioshake_payload
from tests.helpers import store

TOGETHER = Settings(
    providers={
        "together": ProviderSettings(
            name="together", base_url="https://api.together.test", adapter="openai_compatible"
        )
    }
)
FIXTURES = Path(__file__).parent / "fixtures" / "providers"
OPENROUTER_MODEL = "openai/gpt-4o-audio-preview"
ROUTER = "openrouter/auto"


def fixture(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text())


def openrouter_catalog(prompt: str) -> dict[str, Any]:
    data = fixture("openrouter", "every_pricing_key.json")
    [model] = [m for m in data["data"] if m["id"] == OPENROUTER_MODEL]
    model["pricing"]["prompt"] = prompt
    router = json.loads(json.dumps(model))
    router["id"] = router["canonical_slug"] = router["name"] = ROUTER
    router["pricing"] = {"prompt": "-1", "completion": "-1"}
    return {"data": [model, router]}


def build_history(engine: Engine) -> None:
    """Import the whole history (see the module's docstring)."""
    store(engine, "openrouter", openrouter_catalog("0.0000025"), day=0)
    store(engine, "openrouter", openrouter_catalog("0.000003"), day=10)
    store(engine, "litellm", (FIXTURES / "litellm" / "every_cost_key.json").read_bytes(), day=0)
    store(engine, "akool", (FIXTURES / "akool" / "docs_example.json").read_bytes(), day=0)
    bass, drums = audioshake_model("bass", price=3), audioshake_model("drums", price=Decimal("1.5"))
    store(engine, "audioshake", audioshake_payload(bass, drums), day=0)
    store(engine, "audioshake", audioshake_payload(bass), day=5)
    store(engine, "audioshake", audioshake_payload(bass, drums), day=20)
    together = fixture("openai_compatible", "bare_list_together_like.json")
    together[0]["pricing"]["hourly"] = Decimal("2.5")  # a dedicated endpoint, by the hour
    store(engine, "together", together, day=0, settings=TOGETHER)
