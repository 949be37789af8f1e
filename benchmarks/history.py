"""History benchmark: `report prices` and `diff` over a long history, on SQLite and PostgreSQL.

Builds 500 versions of a 2,000-model AudioShake-shaped catalog in which 1 % of the prices
change per version (one version a day), then times, on the finished history:

- `catalogsync report prices --format json` over all of it (every change ever),
- `catalogsync report prices --format csv` (both with `--include-first-version`),
- `catalogsync report prices --format html` (the page: a chart per model that moved),
- `catalogsync diff audioshake --format json` (the last two versions),
- `catalogsync models audioshake --as-of <the middle of the history>`,

each run in-process through the command line's own entry point (query and rendering, not
interpreter start-up), best of three. Run by hand, not in CI:

    .venv/bin/python -m benchmarks.history                 # both databases
    .venv/bin/python -m benchmarks.history --database sqlite --versions 100

PostgreSQL comes from CATALOGSYNC_TEST_POSTGRES_URL (an admin URL; a scratch database is
created and dropped).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from benchmarks.scratch import scratch_database
from catalogsync.cli import main
from catalogsync.config import ProviderSettings, Settings
from catalogsync.db.migrate import upgrade
from catalogsync.db.session import make_engine
from catalogsync.present.output import dumps_json
from catalogsync.sync import import_payload

START = datetime(2025, 1, 1, tzinfo=UTC)


def catalog_versions(models: int, versions: int, change: float, seed: int) -> Iterator[bytes]:
    """Payloads of successive versions: each changes ``change`` of the prices."""
    rng = random.Random(seed)
    prices = {f"model-{i:05d}": Decimal(rng.randint(10, 500)) / 100 for i in range(models)}
    ids = sorted(prices)
    for version in range(versions):
        if version:
            for model_id in rng.sample(ids, max(1, int(models * change))):
                prices[model_id] = (
                    prices[model_id] * Decimal(rng.choice(("0.9", "1.1", "1.25")))
                ).quantize(Decimal("0.0001"))
        yield dumps_json(
            {
                "models": [
                    {
                        "id": model_id,
                        "name": model_id,
                        "category": f"category-{int(model_id[-5:]) % 7}",
                        "access": "enabled",
                        "creditsPerMinute": prices[model_id],
                        "inputs": [
                            {
                                "id": "media",
                                "formats": {"audio": ["wav", "mp3", "flac"], "video": ["mp4"]},
                            }
                        ],
                        "outputFormats": ["wav", "mp3"],
                    }
                    for model_id in ids
                ]
            },
            indent=0,
        ).encode()


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def command(*argv: str) -> Callable[[], str]:
    def run() -> str:
        out = io.StringIO()
        with redirect_stderr(io.StringIO()):
            code = main(["-q", *argv], out=out)
        assert code == 0, argv
        return out.getvalue()

    return run


def bench(kind: str, models: int, versions: int, change: float) -> dict[str, float | int]:
    settings = Settings(
        providers={"audioshake": ProviderSettings("audioshake", "https://api.audioshake.ai")}
    )
    with tempfile.TemporaryDirectory() as scratch, scratch_database(kind, Path(scratch)) as url:
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        for number, raw in enumerate(catalog_versions(models, versions, change, seed=7)):
            outcome = import_payload(
                engine, settings, "audioshake", raw, START + timedelta(days=number)
            )
            assert outcome.status == "succeeded", outcome.error
        build = time.perf_counter() - started
        engine.dispose()
        os.environ["CATALOGSYNC_DATABASE_URL"] = url
        every = ("--include-first-version",)  # every change ever, the first version's too
        report_rows = len(json.loads(command("report", "prices", *every, "--format", "json")()))
        middle = (START + timedelta(days=versions // 2, hours=12)).isoformat()
        figures: dict[str, float | int] = {
            "versions": versions,
            "models": models,
            "price_changes": report_rows,
            "build_seconds": round(build, 1),
            "report_json": best_of(3, command("report", "prices", *every, "--format", "json")),
            "report_csv": best_of(3, command("report", "prices", *every, "--format", "csv")),
            "report_html": best_of(3, command("report", "prices", "--format", "html")),
            "report_one_model": best_of(
                3, command("report", "prices", "--model", "model-00042", "--format", "json")
            ),
            "diff_last_two": best_of(3, command("diff", "audioshake", "--format", "json")),
            "models_as_of": best_of(
                3, command("models", "audioshake", "--as-of", middle, "--format", "json")
            ),
        }
        del os.environ["CATALOGSYNC_DATABASE_URL"]
        return figures


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=500)
    parser.add_argument("--change", type=float, default=0.01)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for kind in kinds:
        figures = bench(kind, args.models, args.versions, args.change)
        print(
            f"\n{kind}: {figures['versions']} versions x {figures['models']} models, "
            f"{figures['price_changes']} price changes, "
            f"history built in {figures['build_seconds']} s"
        )
        for name in (
            "report_json",
            "report_csv",
            "report_html",
            "report_one_model",
            "diff_last_two",
            "models_as_of",
        ):
            print(f"  {name:<18} {figures[name]:.3f} s")


if __name__ == "__main__":
    main_()
