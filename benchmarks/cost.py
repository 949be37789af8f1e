"""Costing benchmark: a usage log of 1,000,000 rows repriced over a 500-version history.

Builds 500 versions (one a day) of an OpenRouter-shaped catalog of 200 models, each with
input, output and cache-read prices, a long-context tier (``min_prompt_tokens``) and a
night window (``utc 22:00-06:00``); 2 % of the models change their prompt price per
version. Writes a CSV usage log of N rows spread over the 500 days (times in order, as a
log is written; ``--shuffle`` for any order), models drawn at random, a fifth of the
prompts past the tier's threshold, and reprices it with what ``catalogsync cost
usage.csv --format csv --output costs.csv`` runs (``api.reprice`` and the CSV renderer,
in-process), reading and writing files. Prints rows per second and the resident memory
(RSS) every 100,000 rows and at the end, and the peak RSS: flat memory means the figure
at 100,000 rows is the figure at 1,000,000. Run by hand, not in CI:

    .venv/bin/python -m benchmarks.cost                      # 1,000,000 rows, SQLite
    .venv/bin/python -m benchmarks.cost --rows 100000 --database postgresql

PostgreSQL comes from CATALOGSYNC_TEST_POSTGRES_URL (an admin URL; a scratch database is
created and dropped).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import resource
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.scratch import scratch_database
from catalogsync import api
from catalogsync.config import ProviderSettings, Settings
from catalogsync.db.migrate import upgrade
from catalogsync.db.session import make_engine
from catalogsync.present.output import dumps_json
from catalogsync.present.registry import render
from catalogsync.sync import import_payload

START = datetime(2025, 1, 1, tzinfo=UTC)
PAGE = resource.getpagesize()


def rss_mib() -> float:
    """This process's resident memory now, in MiB (from /proc/self/statm)."""
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def catalog_versions(models: int, versions: int, change: float, seed: int) -> Iterator[bytes]:
    """OpenRouter list bodies of successive versions, ``change`` of the prompts moving."""
    rng = random.Random(seed)
    prompt = {f"acme/model-{i:04d}": rng.randint(1, 300) for i in range(models)}
    ids = sorted(prompt)
    for version in range(versions):
        if version:
            for model_id in rng.sample(ids, max(1, int(models * change))):
                prompt[model_id] = max(1, prompt[model_id] + rng.choice((-5, 5, 10)))
        yield dumps_json(
            {
                "data": [
                    {
                        "id": model_id,
                        "name": model_id,
                        "created": 1750000000,
                        "context_length": 1000000,
                        "architecture": {"modality": "text->text"},
                        "pricing": {
                            "prompt": f"0.000000{prompt[model_id]:03d}",
                            "completion": "0.000015",
                            "input_cache_read": "0.0000003",
                            "overrides": [
                                {"min_prompt_tokens": 200000, "prompt": "0.000006"},
                                {"utc_start": 2200, "utc_end": 600, "completion": "0.0000075"},
                            ],
                        },
                    }
                    for model_id in ids
                ]
            },
            indent=0,
        ).encode()


def build(url: str, models: int, versions: int, change: float) -> float:
    settings = Settings(
        providers={"openrouter": ProviderSettings("openrouter", "https://openrouter.ai/api")}
    )
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    for number, raw in enumerate(catalog_versions(models, versions, change, seed=7)):
        outcome = import_payload(
            engine, settings, "openrouter", raw, START + timedelta(days=number)
        )
        assert outcome.status == "succeeded", outcome.error
    engine.dispose()
    return time.perf_counter() - started


def write_usage(path: Path, rows: int, models: int, days: int, shuffle: bool) -> None:
    rng = random.Random(11)
    step = 2 * days * 86400 / rows  # times in order, drawn as they go: no list of a million
    seconds: Iterable[float] = itertools.accumulate(
        (rng.random() * step for _ in range(rows)), initial=0.0
    )
    if shuffle:  # (this list counts in the peak RSS)
        seconds = list(seconds)
        rng.shuffle(seconds)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["timestamp", "provider", "model", "input_tokens", "output_tokens", "cache_read_tokens"]
        )
        for offset in itertools.islice(seconds, rows):
            long = rng.random() < 0.2
            writer.writerow(
                [
                    (START + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "openrouter",
                    f"acme/model-{rng.randrange(models):04d}",
                    rng.randint(200001, 400000) if long else rng.randint(10, 20000),
                    rng.randint(1, 4000),
                    rng.choice(("", "", "0", str(rng.randint(1, 5000)))),
                ]
            )


def sampled(
    lines: Iterable[str], every: int, samples: list[tuple[int, float, float]], started: float
) -> Iterator[str]:
    """``lines`` passed through; the RSS and the time noted every ``every`` lines."""
    for number, line in enumerate(lines):
        if number and number % every == 0:
            samples.append((number, time.perf_counter() - started, rss_mib()))
        yield line


def reprice(url: str, usage: Path, output: Path) -> dict[str, Any]:
    db = api.open_database(url)
    samples: list[tuple[int, float, float]] = []
    try:
        before = rss_mib()
        started, cpu = time.perf_counter(), time.process_time()
        with usage.open(newline="") as lines, output.open("w", newline="") as out:
            report = api.reprice(db, sampled(lines, 100_000, samples, started), "csv")
            render(report, "csv", out)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        db.close()
    totals = report.totals
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": totals.priced + totals.unpriced,
        "unpriced": totals.unpriced,
        "totals": {k: v.cost for k, v in totals.currencies.items()},
        "rss_before": before,
        "rss_end": rss_mib(),
        "peak": peak_rss_mib(),
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--versions", type=int, default=500)
    parser.add_argument("--change", type=float, default=0.02)
    parser.add_argument("--shuffle", action="store_true", help="usage rows in random time order")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as scratch,
        scratch_database(args.database, Path(scratch)) as url,
    ):
        built = build(url, args.models, args.versions, args.change)
        print(f"{args.database}: {args.versions} versions x {args.models} models, {built:.1f} s")
        usage, output = Path(scratch) / "usage.csv", Path(scratch) / "costs.csv"
        write_usage(usage, args.rows, args.models, args.versions, args.shuffle)
        print(f"usage log: {args.rows:,} rows, {usage.stat().st_size / 2**20:.0f} MiB")
        figures = reprice(url, usage, output)
        for rows, seconds, rss in figures["samples"]:
            print(f"  {rows:>9,} rows  {seconds:7.2f} s  RSS {rss:6.1f} MiB")
        rate = figures["rows"] / figures["seconds"]
        print(
            f"repriced {figures['rows']:,} rows in {figures['seconds']:.2f} s "
            f"({rate:,.0f} rows/s; {figures['cpu']:.2f} s of CPU), {figures['unpriced']} unpriced; "
            f"RSS {figures['rss_before']:.1f} MiB before, {figures['rss_end']:.1f} MiB after, "
            f"peak {figures['peak']:.1f} MiB; output {output.stat().st_size / 2**20:.0f} MiB"
        )
        print("totals:", {k: str(v) for k, v in figures["totals"].items()})


if __name__ == "__main__":
    main()
