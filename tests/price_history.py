"""A price history of many models, for the HTML report's browser test and screenshots.

Three providers, ``models`` models in all (half AudioShake, 30 % Akool, 20 % Auriko),
``versions`` versions spread over ``days`` days after ``tests.helpers.T0``. Some prices
move in each version; Akool models often charge the same for two resolutions and Auriko
models the same through two upstream providers (equal lines on a chart); one model's id
is markup (``<script>...``), to be shown as text.

    .venv/bin/python -m tests.price_history /tmp/history.db     # a SQLite file to look at
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from benchmarks.generate import catalog
from catalogsync.db.migrate import upgrade
from catalogsync.db.session import make_engine
from tests.factories import akool_model, akool_payload, auriko_model, auriko_payload
from tests.helpers import store

HOSTILE_ID = "<script>alert('x')</script>"
MOVES = (Decimal("0.8"), Decimal("0.9"), Decimal("1.1"), Decimal("1.25"), Decimal("1.5"))


def _moved(rng: random.Random, amount: Decimal) -> Decimal:
    return (amount * rng.choice(MOVES)).quantize(Decimal("0.01"))


def build_history(engine: Engine, models: int = 300, versions: int = 12, days: int = 330) -> None:
    """Store the history (see the module) through the import path."""
    rng = random.Random(7)
    audio = catalog(models // 2, seed=3)["models"]
    akool = {
        (HOSTILE_ID if n == 0 else f"akool-video-{n:03d}"): {
            "480p": Decimal(rng.randint(2, 6)),
            "720p": (p := Decimal(rng.randint(5, 12))),
            "1080p": p if rng.random() < 0.5 else p * 2,  # often the same as 720p
        }
        for n in range(models * 3 // 10)
    }
    auriko = {
        f"llm-{n:03d}": {
            "openai": (p := Decimal(rng.randint(1, 30)) / 4, p * 4),
            "azure": (p, p * 4),  # the same as openai until one of them moves
        }
        for n in range(models - len(audio) - len(akool))
    }
    for version in range(versions):
        day = version * days // max(versions - 1, 1)
        if version:
            _move_all(rng, audio, akool, auriko)
        stored = [
            store(engine, "audioshake", {"models": audio}, day=day),
            store(
                engine,
                "akool",
                akool_payload(*(akool_model(m, prices=p) for m, p in akool.items())),
                day=day,
            ),
            store(
                engine,
                "auriko",
                auriko_payload(*(auriko_model(m, providers=p) for m, p in auriko.items())),
                day=day,
            ),
        ]
        assert all(o.status in ("succeeded", "unchanged") for o in stored), stored


def _move_all(
    rng: random.Random,
    audio: list[dict[str, Any]],
    akool: dict[str, dict[str, Decimal]],
    auriko: dict[str, dict[str, tuple[Decimal, Decimal]]],
) -> None:
    for model in rng.sample(audio, max(1, len(audio) // 12)):
        model["creditsPerMinute"] = _moved(rng, Decimal(str(model["creditsPerMinute"])))
    for model_id in rng.sample(sorted(akool), max(1, len(akool) // 8)):
        variant = rng.choice(sorted(akool[model_id]))
        akool[model_id][variant] = _moved(rng, akool[model_id][variant])
    for model_id in rng.sample(sorted(auriko), max(1, len(auriko) // 8)):
        upstream = rng.choice(("openai", "azure"))
        inp, out = auriko[model_id][upstream]
        auriko[model_id][upstream] = (_moved(rng, inp), _moved(rng, out))


if __name__ == "__main__":
    url = f"sqlite:///{sys.argv[1]}"
    engine = make_engine(url)
    upgrade(engine)
    build_history(engine)
    print(url)
