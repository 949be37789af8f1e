"""Deterministic AudioShake-shaped catalogs for the performance benchmark.

A model has 1-3 inputs of 6-10 audio/video formats each, 4-6 output formats and a
price in credits per minute. The mutation mode changes 1 % of the prices, removes 0.5 %
of the models and adds as many new ones, reproducibly from a seed.

    .venv/bin/python -m benchmarks.generate --models 10000 --out base.json
    .venv/bin/python -m benchmarks.generate --models 10000 --mutate --out changed.json
"""

from __future__ import annotations

import argparse
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

AUDIO = ["wav", "aiff", "flac", "mp3", "aac", "m4a", "ogg", "opus", "wma", "alac", "amr", "ac3"]
VIDEO = ["mp4", "mov", "mkv", "webm", "avi"]
OUTPUTS = ["wav", "aiff", "flac", "mp3", "mp4", "json", "srt", "txt"]
CATEGORIES = [
    "instrumentStemSeparation",
    "speechSeparation",
    "postProduction",
    "copyrightCompliance",
    "lyricTranscription",
]


def _model(rng: random.Random, number: int) -> dict[str, Any]:
    inputs = []
    for index in range(rng.randint(1, 3)):
        names = rng.sample(AUDIO + VIDEO, rng.randint(6, 10))
        inputs.append(
            {
                "id": f"input{index}",
                "description": "Source audio or video file",
                "required": index == 0,
                "taskFields": ["url", "assetId"],
                "formats": {
                    "audio": [n for n in names if n in AUDIO],
                    "video": [n for n in names if n in VIDEO],
                },
            }
        )
    return {
        "id": f"model-{number:07d}",
        "name": f"Model {number}",
        "category": rng.choice(CATEGORIES),
        "description": f"Synthetic model number {number} for the benchmark.",
        "access": "enabled",
        "creditsPerMinute": Decimal(rng.randint(5, 400)) / 100,
        "inputs": inputs,
        "outputFormats": rng.sample(OUTPUTS, rng.randint(4, 6)),
    }


def catalog(models: int, seed: int = 1) -> dict[str, Any]:
    """A catalog of ``models`` models; the same arguments give the same catalog."""
    rng = random.Random(seed)
    return {"models": [_model(rng, number) for number in range(models)]}


def mutate(
    payload: dict[str, Any], seed: int = 2, prices: float = 0.01, churn: float = 0.005
) -> dict[str, Any]:
    """Change ``prices`` of the prices; remove ``churn`` of the models and add as many."""
    rng = random.Random(seed)
    models = [dict(m) for m in payload["models"]]
    count = len(models)
    for index in rng.sample(range(count), max(1, int(count * prices))):
        old = Decimal(str(models[index]["creditsPerMinute"]))
        models[index]["creditsPerMinute"] = (
            old * Decimal(rng.choice(["0.8", "0.9", "1.1", "1.25"]))
        ).quantize(Decimal("0.0001"))
    gone = set(rng.sample(range(count), max(1, int(count * churn))))
    kept = [m for index, m in enumerate(models) if index not in gone]
    added = [_model(rng, count + number) for number in range(len(gone))]
    return {"models": kept + added}


def write(payload: dict[str, Any], path: Path) -> None:
    """Write ``payload`` as JSON, prices as plain decimal numbers."""

    def default(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)  # two to four decimals: exact as a float's repr
        raise TypeError(type(value).__name__)

    path.write_text(json.dumps(payload, default=default, separators=(",", ":")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mutate", action="store_true", help="the 1 %%-changed version")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    payload = catalog(args.models, args.seed)
    write(mutate(payload) if args.mutate else payload, args.out)


if __name__ == "__main__":
    main()
