"""Benchmark of the source adapters on catalogs of their real size, on both databases.

For each source and database, times as whole processes (wall time and peak RSS) the
initial ``catalogsync import`` of a generated file and an identical re-import (which
parses again: the bytes differ, the content does not), each sequence in a fresh database,
the median of ``--repeat`` runs. Sources:

- ``openrouter``: a 400-model ``GET /api/v1/models`` body (per-token decimal strings with
  many decimals, the optional pricing keys on some models, long-context and time-window
  overrides, a variable router every hundred models); identical: the models reordered.
- ``litellm``: a 3,000-model ``model_prices_and_context_window.json`` shaped like the real
  file (``sample_spec``, a top-level scalar, 5-25 cost keys per model among them tiers,
  service tiers, a search-context object and unknown names, floats such as ``2.5e-06``);
  the identical file is the same content reordered, with ``0`` written ``0.0``.

Run by hand, not in CI::

    CATALOGSYNC_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.sources --sources litellm openrouter
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.run import fmt, timed
from benchmarks.scratch import scratch_database

LITELLM_KEYS = [
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "cache_creation_input_token_cost_above_1hr",
    "input_cost_per_token_above_200k_tokens",
    "output_cost_per_token_above_200k_tokens",
    "cache_read_input_token_cost_above_200k_tokens",
    "input_cost_per_token_batches",
    "output_cost_per_token_batches",
    "input_cost_per_token_flex",
    "output_cost_per_token_flex",
    "input_cost_per_token_priority",
    "output_cost_per_token_priority",
    "output_cost_per_reasoning_token",
    "input_cost_per_audio_token",
    "output_cost_per_audio_token",
    "output_cost_per_image_token",
    "input_cost_per_second",
    "output_cost_per_second",
    "input_cost_per_image",
    "output_cost_per_image",
    "input_cost_per_pixel",
    "input_cost_per_character",
    "input_cost_per_query",
    "input_dbu_cost_per_token",
    "input_cost_per_token_cache_hit",
]
MODES = ["chat", "embedding", "completion", "image_generation", "audio_transcription", "rerank"]
PROVIDERS = ["openai", "azure", "anthropic", "bedrock", "vertex_ai", "gemini", "mistral", "groq"]


def litellm_file(models: int, seed: int = 1) -> dict[str, Any]:
    """A price file of ``models`` entries shaped like litellm's."""
    rng = random.Random(seed)
    document: dict[str, Any] = {
        "sample_spec": {"input_cost_per_token": 0.0, "mode": "one of: chat, embedding, ..."},
    }
    for number in range(models):
        provider = rng.choice(PROVIDERS)
        entry: dict[str, Any] = {
            "litellm_provider": provider,
            "mode": rng.choice(MODES),
            "max_tokens": rng.choice([4096, 8192, 128000]),
            "max_input_tokens": rng.choice([128000, 200000, 1048576]),
            "max_output_tokens": rng.choice([4096, 16384, 65536]),
            "supports_function_calling": rng.random() < 0.5,
            "supports_vision": rng.random() < 0.3,
            "supported_modalities": ["text", "image"][: rng.randint(1, 2)],
            "supported_output_modalities": ["text"],
            "source": f"https://{provider}.example/pricing",
        }
        for key in rng.sample(LITELLM_KEYS, rng.randint(5, 25)):
            entry[key] = rng.choice([0, rng.randint(1, 999) * 10 ** -rng.randint(5, 9)])
        if rng.random() < 0.1:
            entry["search_context_cost_per_query"] = {
                "search_context_size_low": 0.03,
                "search_context_size_medium": 0.035,
                "search_context_size_high": 0.05,
            }
        document[f"{provider}/model-{number:05d}"] = entry
    document["last_updated"] = "2026-11-30"
    return document


def respelled(document: dict[str, Any]) -> dict[str, Any]:
    """The same content in another order, integer zeros written as floats."""
    return {
        key: (
            {
                k: (0.0 if v == 0 and not isinstance(v, bool) else v)
                for k, v in reversed(entry.items())
            }
            if isinstance(entry, dict)
            else entry
        )
        for key, entry in reversed(document.items())
    }


OPENROUTER_TOKEN_KEYS = [
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "internal_reasoning",
    "audio",
    "image_token",
]


def _per_token(rng: random.Random) -> str:
    """A per-token price as OpenRouter writes it: a decimal string with many decimals."""
    return f"{rng.randint(1, 9999) * 10 ** -rng.randint(9, 12):.12f}".rstrip("0")


def openrouter_list(models: int, seed: int = 1) -> dict[str, Any]:
    """A ``GET /api/v1/models`` body of ``models`` models shaped like OpenRouter's: every
    pricing key on some models, long-context and time-window overrides, variable routers."""
    rng = random.Random(seed)
    data = []
    for number in range(models):
        pricing: dict[str, Any] = {"prompt": _per_token(rng), "completion": _per_token(rng)}
        for key in rng.sample(OPENROUTER_TOKEN_KEYS, rng.randint(0, 4)):
            pricing[key] = _per_token(rng)
        if rng.random() < 0.2:
            pricing.update(request="0", image="0.0048", web_search="0.01")
        if rng.random() < 0.15:
            pricing["overrides"] = [
                {"min_prompt_tokens": 200000, "prompt": _per_token(rng)},
                {"utc_start": 1000, "utc_end": 100, "completion": _per_token(rng)},
            ]
        if number % 100 == 0:
            pricing.update(prompt="-1", completion="-1")  # a router: variable
        data.append(
            {
                "id": f"vendor{number % 40}/model-{number:04d}",
                "canonical_slug": f"vendor{number % 40}/model-{number:04d}-20260101",
                "name": f"Model {number}",
                "created": 1760000000 + number,
                "description": "A model. " * rng.randint(5, 40),
                "context_length": rng.choice([8192, 131072, 1048576]),
                "architecture": {
                    "modality": "text+image->text",
                    "input_modalities": ["text", "image"][: rng.randint(1, 2)],
                    "output_modalities": ["text"],
                    "tokenizer": "Other",
                    "instruct_type": None,
                },
                "pricing": pricing,
                "top_provider": {
                    "context_length": 131072,
                    "max_completion_tokens": 16384,
                    "is_moderated": False,
                },
                "per_request_limits": None,
                "supported_parameters": ["max_tokens", "temperature", "tools"],
            }
        )
    return {"data": data}


def respelled_list(document: dict[str, Any]) -> dict[str, Any]:
    """The same models in another order, each with its keys reversed."""
    return {"data": [dict(reversed(m.items())) for m in reversed(document["data"])]}


SOURCES: dict[
    str,
    tuple[str, Callable[[int], dict[str, Any]], Callable[[dict[str, Any]], dict[str, Any]], int],
] = {
    # name: (adapter, generator, the same content in other bytes, default size)
    "litellm": ("litellm", litellm_file, respelled, 3000),
    "openrouter": ("openrouter", openrouter_list, respelled_list, 400),
}


def run_source(
    source: str, database: str, size: int, directory: Path, repeat: int, timeout: float
) -> dict[str, tuple[float | None, float | None]]:
    adapter, generate, respell, _ = SOURCES[source]
    document = generate(size)
    files = {"initial": directory / f"{source}-initial.json"}
    files["identical"] = directory / f"{source}-identical.json"
    files["initial"].write_text(json.dumps(document, indent=4))
    files["identical"].write_text(json.dumps(respell(document), indent=4))
    samples: dict[str, list[tuple[float | None, float | None]]] = {o: [] for o in files}
    for run in range(1, repeat + 1):
        with scratch_database(database, directory) as url:
            cli = [sys.executable, "-m", "catalogsync", "--database-url", url, "-q"]
            subprocess.run([*cli, "db", "upgrade"], check=True, stdout=subprocess.DEVNULL)
            for day, (operation, path) in enumerate(files.items(), start=1):
                argv = [*cli, "import", adapter, str(path), "--observed-at", f"2026-01-0{day}"]
                seconds, rss = timed(argv, timeout)
                samples[operation].append((seconds, rss))
                line = f"{source:<10} {database:<10} N={size:<6} {operation:<9} run {run}"
                print(f"{line} {fmt(seconds, ' s'):>9} {fmt(rss, ' MB'):>8}", flush=True)
    return {
        operation: (
            statistics.median(s for s, _ in runs if s is not None),
            statistics.median(r for _, r in runs if r is not None),
        )
        for operation, runs in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", choices=sorted(SOURCES), default=sorted(SOURCES))
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--size", type=int, help="models per file (default: each source's)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for source in args.sources:
            size = args.size or SOURCES[source][3]
            for database in args.databases:
                medians = run_source(source, database, size, Path(tmp), args.repeat, args.timeout)
                results += [(source, database, size, op, *m) for op, m in medians.items()]
    print(
        f"\n{'source':<10} {'database':<10} {'models':>6} {'operation':<9} {'median':>9} {'RSS':>8}"
    )
    for source, database, size, operation, seconds, rss in results:
        print(
            f"{source:<10} {database:<10} {size:>6} {operation:<9} "
            f"{fmt(seconds, ' s'):>9} {fmt(rss, ' MB'):>8}"
        )


if __name__ == "__main__":
    main()
