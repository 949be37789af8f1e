"""Running catalogsync as real processes (``python -m catalogsync``) against the local provider server.

Output goes to files, not pipes, so a chatty daemon never blocks on a full pipe; tests poll
the database with a deadline (``wait_until``) instead of sleeping a fixed time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from catalogsync.providers import provider_classes
from tests.api_keys import KEYS
from tests.helpers import rows
from tests.provider_server import LOCAL_SERVER_FIXTURES, ProviderServer, provider_fixture


def __getattr__(name: str) -> tuple[str, ...]:
    """``PROVIDERS``: the registered providers' names, sorted, read from the registry when used.

    Not a constant computed on import: a provider's own test module may define its adapter
    and import these helpers, and the registry loading that adapter imports the module.
    """
    if name == "PROVIDERS":
        return tuple(provider_classes())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def serve_catalogs(server: ProviderServer, delay: float = 0.0) -> None:
    """Each registered provider's small catalog, from its local-server fixture, ``delay`` s late."""
    for name in provider_classes():
        fixture = provider_fixture(name)
        if fixture is None:
            raise LookupError(
                f"provider {name!r} has no {LOCAL_SERVER_FIXTURES / name}.json "
                "(its routes and a small catalog to serve)"
            )
        for endpoint, payload in fixture["catalog"].items():
            server.set_json(endpoint, payload, delay=delay)


PLACEHOLDER_URL = "http://127.0.0.1:9"
"""A base URL nothing listens on, for configurations whose processes get the real one."""


def write_config(path: Path, database_url: str, text: str = "", every: str = "1s") -> Path:
    """A configuration with every provider on ``@every <every>``, plus ``text``.

    An adapter without a default host (``openai_compatible``) gets a placeholder
    ``base_url``, so that the file loads on its own (an in-process ``status``);
    ``process_env``'s ``CATALOGSYNC_<NAME>_BASE_URL`` points the processes at the server.
    """
    schedules = "".join(
        f'[providers.{name}]\nschedule = "@every {every}"\n'
        + ("" if cls.default_base_url else f'base_url = "{PLACEHOLDER_URL}"\n')
        for name, cls in provider_classes().items()
        if f"[providers.{name}]" not in text
    )
    path.write_text(f'[database]\nurl = "{database_url}"\n\n{schedules}\n{text}')
    return path


class Process:
    """One ``python -m catalogsync ...`` process with its output in files."""

    def __init__(self, args: list[str], env: dict[str, str], directory: Path, label: str) -> None:
        self.args = args
        self.stdout_path = directory / f"{label}.out"
        self.stderr_path = directory / f"{label}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "catalogsync", *args],
                env=env,
                stdout=out,
                stderr=err,
                cwd=directory,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def json_logs(self) -> list[dict[str, Any]]:
        """Every stderr line, parsed (the process must run with ``--log-format json``)."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.strip()]

    def send(self, signum: int = signal.SIGTERM) -> None:
        self.popen.send_signal(signum)

    def wait(self, timeout: float = 30.0) -> int:
        return self.popen.wait(timeout=timeout)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 15.0) -> tuple[int, float]:
        """Send ``signum``; return the exit code and how long the process took to exit."""
        started = time.monotonic()
        self.send(signum)
        code = self.wait(timeout)
        return code, time.monotonic() - started

    def describe(self) -> str:
        return f"$ catalogsync {' '.join(self.args)}\n--- stderr ---\n{self.stderr[-4000:]}"


def spawn_processes(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Body of a ``spawn`` fixture: start processes; kill any still running at the end.

    Test modules declare ``spawn = pytest.fixture(spawn_processes)``.
    """
    started: list[Process] = []

    def start(*args: str, env: dict[str, str], label: str | None = None) -> Process:
        process = Process(list(args), env, tmp_path, label or f"p{len(started)}")
        started.append(process)
        return process

    yield start
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait(timeout=10)


def process_env(server: ProviderServer, **extra: str) -> dict[str, str]:
    """The test's environment plus API keys and every provider pointed at ``server``."""
    return {**os.environ, **KEYS, **server.base_url_env(), **extra}


def wait_until(
    condition: Callable[[], Any],
    timeout: float,
    what: str,
    *processes: Process,
    interval: float = 0.1,
) -> Any:
    """Poll ``condition`` until it is truthy; fail naming ``what`` and the processes' logs."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        for process in processes:
            if process.popen.poll() is not None:
                pytest.fail(
                    f"exited ({process.popen.returncode}) while waiting for {what}\n"
                    + process.describe()
                )
        if time.monotonic() > deadline:
            logs = "\n".join(p.describe() for p in processes)
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{logs}")
        time.sleep(interval)


def run_counts(engine: Engine) -> dict[tuple[str, str], int]:
    """``(provider, status) -> number of sync runs``."""
    return {
        (slug, status): int(n)
        for slug, status, n in rows(
            engine,
            "SELECT p.slug, r.status, COUNT(*) FROM sync_runs r "
            "JOIN providers p ON p.id = r.provider_id GROUP BY p.slug, r.status",
        )
    }


def finished_ok(engine: Engine, provider: str) -> int:
    """How many runs of ``provider`` succeeded or found the catalog unchanged."""
    counts = run_counts(engine)
    return counts.get((provider, "succeeded"), 0) + counts.get((provider, "unchanged"), 0)


def version_count(engine: Engine, provider: str) -> int:
    return int(
        rows(
            engine,
            "SELECT COUNT(*) FROM catalog_versions v JOIN providers p ON p.id = v.provider_id "
            "WHERE p.slug = :slug",
            slug=provider,
        )[0][0]
    )
