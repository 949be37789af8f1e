"""Web benchmark: every page of `catalogsync serve` on the 500-version history.

Builds the history of `benchmarks/history.py` (500 versions of a 2,000-model catalog,
1 % of the prices changing per version), starts `catalogsync serve` (a real uvicorn) on
127.0.0.1 in a process of its own, and requests each page with httpx: first one client
(sequential requests), then 20 concurrent clients (threads, each its own connection).
Prints, per page, the median and 95th percentile of the server's own time (its
`Server-Timing` header: from the request reaching the app to the response starting) and
of the time the client waited. Run by hand, not in CI:

    .venv/bin/python -m benchmarks.web --database sqlite
    CATALOGSYNC_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m benchmarks.web --database postgresql --versions 500

`--keep FILE` keeps (and on later runs reuses) the SQLite history, which takes a while
to build. Every request loop is bounded: `--rounds` requests per page and client.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from benchmarks.history import START, catalog_versions
from benchmarks.scratch import scratch_database
from catalogsync.config import ProviderSettings, Settings
from catalogsync.db.migrate import upgrade
from catalogsync.db.session import make_engine
from catalogsync.sync import import_payload

PAGES = {
    "overview": "/",
    "catalog (page 1 of 2,000 models)": "/providers/audioshake",
    "catalog searched, sorted by price": "/providers/audioshake?q=model-001&sort=amount&order=desc",
    "model (price chart)": "/models/audioshake/model-00042",
    "versions (500)": "/providers/audioshake/versions",
    "diff (last two)": "/providers/audioshake/diff",
    "report (default: the last 90 days)": "/report",
    "report, the last 90 days of data": "/report?since=2026-02-15",
    "report, one model, all time": "/report?model=model-00042&period=all",
    "report, all time (first 500 rows shown)": "/report?period=all",
    "report.csv, last 90 days": "/report.csv?since=2026-02-15",
    "/api/diff": "/api/diff/audioshake",
    "/api/versions": "/api/versions?provider=audioshake",
    "/api/models (2,000 models)": "/api/models?provider=audioshake",
    "/healthz": "/healthz",
}
TIMING = re.compile(r"app;dur=([0-9.]+)")


def build(url: str, models: int, versions: int) -> float:
    """The history of `benchmarks/history.py` in ``url``; the seconds it took."""
    settings = Settings(
        providers={"audioshake": ProviderSettings("audioshake", "https://api.audioshake.ai")}
    )
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    for number, raw in enumerate(catalog_versions(models, versions, 0.01, seed=7)):
        outcome = import_payload(
            engine, settings, "audioshake", raw, START + timedelta(days=number)
        )
        assert outcome.status == "succeeded", outcome.error
    engine.dispose()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(url: str) -> Iterator[str]:
    """`catalogsync serve` over ``url`` in its own process; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "catalogsync",
            "-q",
            "serve",
            "--database-url",
            url,
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CATALOGSYNC_DATABASE_URL": url},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("catalogsync serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(30)


def measure(base: str, clients: int, rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per page: (server times, client times) in ms, from ``clients`` concurrent clients
    each requesting every page ``rounds`` times."""
    found: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            for _ in range(rounds):
                for name, path in PAGES.items():
                    started = time.perf_counter()
                    response = http.get(path)
                    waited = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, (path, response.status_code)
                    timing = TIMING.search(response.headers.get("server-timing", ""))
                    assert timing is not None, path
                    with lock:
                        found[name][0].append(float(timing.group(1)))
                        found[name][1].append(waited)

    with httpx.Client(base_url=base, timeout=120) as warm:  # first loads, caches
        for path in PAGES.values():
            warm.get(path)
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def table(found: dict[str, tuple[list[float], list[float]]]) -> str:
    heads = ("server p50", "server p95", "client p50", "client p95")
    lines = [f"  {'page':<42} " + " ".join(f"{head:>10}" for head in heads)]
    for name in PAGES:
        server, waited = found[name]
        lines.append(
            f"  {name:<42} {statistics.median(server):>8.1f}ms {percentile(server, 0.95):>8.1f}ms "
            f"{statistics.median(waited):>8.1f}ms {percentile(waited, 0.95):>8.1f}ms"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20, help="requests per page and client")
    parser.add_argument("--concurrent-rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="SQLite only: keep (or reuse) the history here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.keep is not None and args.database == "sqlite":
            url = f"sqlite:///{args.keep.resolve()}"
            if not args.keep.exists():
                print(f"history built in {build(url, args.models, args.versions):.0f} s")
            run(url, args)
            return
        with scratch_database(args.database, Path(scratch)) as url:
            print(f"history built in {build(url, args.models, args.versions):.0f} s")
            run(url, args)


def run(url: str, args: argparse.Namespace) -> None:
    with served(url) as base:
        print(f"\n{args.database}: one client, {args.rounds} requests per page")
        print(table(measure(base, 1, args.rounds)))
        print(f"\n{args.database}: 20 concurrent clients, {args.concurrent_rounds} rounds each")
        print(table(measure(base, 20, args.concurrent_rounds)))


if __name__ == "__main__":
    main()
