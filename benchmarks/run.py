"""Performance benchmark: catalogsync against dlt (merge, scd2) on the same files, same run.

For each size N and database, times as whole processes (wall time and peak RSS):

- the initial import of an N-model AudioShake-shaped catalog,
- an identical re-import,
- an import of the 1 %-changed catalog (1 % of prices changed, 0.5 % of models replaced),

first with `catalogsync import`, then with dlt 1.31 `merge`/`scd2`, each in a fresh
database, and prints the ratios. Run by hand, not in CI:

    python3 -m venv .bench-venv && .bench-venv/bin/pip install -e '.[bench]'
    CATALOGSYNC_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        .bench-venv/bin/python -m benchmarks.run --sizes 1000 10000 100000

PostgreSQL uses the server's default settings; a scratch database per tool, size and run
is created and dropped. Each sequence runs `--repeat` times (default 3), the tools taking
turns, and the median of each operation is reported: single runs of a one-second process
vary by a third on a shared machine. `--json FILE` also writes the figures as JSON.

catalogsync's modules are compiled to bytecode first, as pip does when it installs a
wheel (dlt's were, when it was installed): an editable checkout run with
PYTHONDONTWRITEBYTECODE would otherwise compile every module in every timed process.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

import catalogsync
from benchmarks.generate import catalog, mutate, write
from benchmarks.scratch import scratch_database

OPERATIONS = ("initial", "identical", "changed")


@dataclass
class Measure:
    tool: str
    database: str
    models: int
    operation: str
    seconds: float | None  # None: did not finish in time
    peak_rss_mb: float | None


def timed(
    argv: list[str], timeout: float, env: dict[str, str] | None = None
) -> tuple[float | None, float | None]:
    """Run ``argv``; return wall seconds and peak RSS in MB, or ``None`` on timeout."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            return None, None
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"{argv[:4]} failed: {error[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def dlt_url(url: str) -> str:
    """The same database as dlt wants it: psycopg2's scheme, and a password it insists on
    (a trust-authenticated server ignores it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    return parsed.set(
        drivername="postgresql", password=parsed.password or "unused"
    ).render_as_string(hide_password=False)


def run_catalogsync(
    url: str, files: dict[str, Path], timeout: float
) -> dict[str, tuple[float | None, float | None]]:
    cli = [sys.executable, "-m", "catalogsync", "--database-url", url, "-q"]
    subprocess.run([*cli, "db", "upgrade"], check=True, stdout=subprocess.DEVNULL)
    results = {}
    for day, operation in enumerate(OPERATIONS, start=1):
        file = files["changed" if operation == "changed" else "base"]
        argv = [
            *cli,
            "import",
            "audioshake",
            str(file),
            "--observed-at",
            f"2026-01-0{day}T00:00:00Z",
        ]
        results[operation] = timed(argv, timeout)
    return results


def run_dlt(
    url: str, files: dict[str, Path], timeout: float, directory: Path
) -> dict[str, tuple[float | None, float | None]]:
    pipelines = directory / f"dlt-{uuid.uuid4().hex[:8]}"
    results = {}
    for operation in OPERATIONS:
        file = files["changed" if operation == "changed" else "base"]
        argv = [sys.executable, "-m", "benchmarks.dlt_load", str(file), url, str(pipelines)]
        results[operation] = timed(
            argv, timeout, env={**os.environ, "RUNTIME__LOG_LEVEL": "WARNING"}
        )
        if results[operation][0] is None:  # later steps need this one to have finished
            results.update(
                dict.fromkeys(OPERATIONS[OPERATIONS.index(operation) + 1 :], (None, None))
            )
            break
    return results


Sample = tuple[float | None, float | None]  # seconds and peak RSS in MB; None: not finished


def measure(
    database: str, size: int, files: dict[str, Path], directory: Path, args: argparse.Namespace
) -> list[Measure]:
    """Each tool's median over ``args.repeat`` runs of the three operations, the tools
    taking turns so that both meet the same moments of a busy machine. A tool that does
    not finish in time is not run again."""
    tools = ("catalogsync",) if args.no_dlt else ("catalogsync", "dlt")
    samples: dict[str, dict[str, list[Sample]]] = {
        tool: {operation: [] for operation in OPERATIONS} for tool in tools
    }
    for run in range(1, args.repeat + 1):
        for tool in tools:
            if any(None in (s for s, _ in runs) for runs in samples[tool].values()):
                continue
            with scratch_database(database, directory) as url:
                if tool == "catalogsync":
                    results = run_catalogsync(url, files, args.timeout)
                else:
                    results = run_dlt(dlt_url(url), files, args.timeout, directory)
            for operation, (seconds, rss) in results.items():
                samples[tool][operation].append((seconds, rss))
                line = f"{tool:<12} {database:<10} N={size:<7} {operation:<9} run {run}"
                print(f"{line} {fmt(seconds, ' s'):>9} {fmt(rss, ' MB'):>8}", flush=True)
    return [
        Measure(tool, database, size, operation, *medians(runs))
        for tool in tools
        for operation, runs in samples[tool].items()
    ]


def medians(runs: list[Sample]) -> Sample:
    """Median seconds and peak RSS; not finished if any run did not finish."""
    if any(seconds is None for seconds, _ in runs):
        return None, None
    return (
        statistics.median(s for s, _ in runs if s is not None),
        statistics.median(r for _, r in runs if r is not None),
    )


def fmt(value: float | None, unit: str) -> str:
    return (
        "DNF" if value is None else f"{value:.2f}{unit}" if unit == " s" else f"{value:.0f}{unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds before a run counts as not finished"
    )
    parser.add_argument("--no-dlt", action="store_true", help="only catalogsync")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each sequence, in fresh databases; the median is reported (default 3)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    compileall.compile_dir(Path(catalogsync.__file__).parent, quiet=1)
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        for size in args.sizes:
            files = {
                "base": directory / f"base-{size}.json",
                "changed": directory / f"changed-{size}.json",
            }
            base = catalog(size)
            write(base, files["base"])
            write(mutate(base), files["changed"])
            for database in args.databases:
                measures.extend(measure(database, size, files, directory, args))
    print_table(measures)
    if args.json:
        args.json.write_text(json.dumps([asdict(m) for m in measures], indent=2))


def print_table(measures: list[Measure]) -> None:
    print("\n| database | N | operation | catalogsync | dlt 1.31 scd2 | speed-up |", end="")
    print(" RSS catalogsync | RSS dlt |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for m in measures:
        if m.tool != "catalogsync":
            continue
        peer = next(
            (
                p
                for p in measures
                if p.tool == "dlt"
                and (p.database, p.models, p.operation) == (m.database, m.models, m.operation)
            ),
            None,
        )
        ratio = (
            ""
            if not peer
            else "dlt did not finish"
            if peer.seconds is None
            else f"{peer.seconds / m.seconds:.1f}x"
            if m.seconds
            else ""
        )
        print(
            f"| {m.database} | {m.models:,} | {m.operation} | {fmt(m.seconds, ' s')} | "
            f"{fmt(peer.seconds if peer else None, ' s') if peer else '-'} | {ratio} | "
            f"{fmt(m.peak_rss_mb, ' MB')} | {fmt(peer.peak_rss_mb, ' MB') if peer else '-'} |"
        )


if __name__ == "__main__":
    main()
