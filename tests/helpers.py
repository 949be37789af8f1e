"""Helpers for storage tests: run syncs from payloads, read tables back."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from catalogsync.config import ProviderSettings, Settings
from catalogsync.db import models as t
from catalogsync.present.output import dumps_json
from catalogsync.providers import default_base_urls
from catalogsync.results import SyncOutcome
from catalogsync.sync import import_payload

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def settings(**overrides: Any) -> Settings:
    providers = {
        name: ProviderSettings(name=name, base_url=url) for name, url in default_base_urls().items()
    }
    return Settings(providers=providers, **overrides)


def store(engine: Engine, provider: str, payload: Any, day: int = 0, **kw: Any) -> SyncOutcome:
    """Import ``payload`` as observed ``day`` days after T0."""
    raw = payload if isinstance(payload, bytes) else dumps_json(payload).encode()
    return import_payload(
        engine,
        kw.pop("settings", None) or settings(),
        provider,
        raw,
        T0 + timedelta(days=day),
        **kw,
    )


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def count(engine: Engine, table: str, where: str = "1=1") -> int:
    return int(rows(engine, f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])


def runs(engine: Engine) -> list[tuple[str, str | None]]:
    """(status, error) of every sync run, oldest first."""
    with engine.connect() as conn:
        return [
            (r.status, r.error)
            for r in conn.execute(
                select(t.sync_runs.c.status, t.sync_runs.c.error).order_by(t.sync_runs.c.id)
            )
        ]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the catalog tables (not sync_runs), to prove nothing changed."""
    tables = [
        "catalog_versions",
        "models",
        "model_inputs",
        "model_input_formats",
        "model_output_formats",
        "prices",
        "model_attributes",
        "formats",
    ]
    return {name: sorted(rows(engine, f"SELECT * FROM {name}"), key=repr) for name in tables}


def cli(*argv: str) -> tuple[int, str]:
    """Run the command line in-process; return the exit code and what it printed to stdout."""
    import io

    from catalogsync.cli import main

    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def use_local_server(monkeypatch: Any, server: Any, database_url: str) -> None:
    """Point every provider at ``server``, with the shared test keys, and use ``database_url``."""
    from tests.api_keys import KEYS

    for name, value in {**KEYS, **server.base_url_env()}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)


def provider_runs(engine: Engine, provider: str) -> list[tuple[Any, ...]]:
    """Every ``sync_runs`` row of ``provider``, oldest first (all columns)."""
    return rows(
        engine,
        "SELECT r.* FROM sync_runs r JOIN providers p ON p.id = r.provider_id "
        "WHERE p.slug = :slug ORDER BY r.id",
        slug=provider,
    )


def sqlite_write_locked(path: str | Path) -> bool:
    """Whether another connection holds the SQLite database's write lock right now."""
    import sqlite3

    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


@contextmanager
def installed_adapter(site: Path, name: str, entry_point: str) -> Iterator[Path]:
    """Install an adapter in ``site`` as pip would: a ``NAME_catalogsync-0.dist-info`` whose
    ``entry_points.txt`` declares ``entry_point`` (``"name = module:Class"``) in the
    ``catalogsync.providers`` group. This process sees it while inside (the registry is
    read again); yield ``site``, for a subprocess's ``PYTHONPATH``."""
    from catalogsync.providers import provider_classes

    dist = site / f"{name}_catalogsync-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}-catalogsync\nVersion: 0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        f"[catalogsync.providers]\n{entry_point}\n", encoding="utf-8"
    )
    sys.path.insert(0, str(site))
    provider_classes.cache_clear()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        provider_classes.cache_clear()


def metric_values(url: str) -> dict[str, float]:
    """``'name{labels}' -> value`` of every sample a Prometheus endpoint serves."""
    import httpx

    samples = {}
    for line in httpx.get(url, timeout=5).text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples
