"""The fast path against a straightforward reference, on randomised catalog sequences.

The store compares models by content hash and rewrites only the children of changed
models, in bulk. The reference knows nothing of that: it turns every catalog of a
sequence into the full set of facts it states (one per row of each history table), and
a fact's history is every maximal run of consecutive versions in which it appears, opened
by the first version of the run and closed by the version after it. Both must agree, row
for row, on both databases.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.codec import dumps_canonical
from catalogsync.runs import ensure_provider
from catalogsync.store import store_catalog

FORMATS = [Format("audio", n) for n in ("wav", "mp3", "flac", "aiff")] + [Format("video", "mp4")]
Fact = tuple[Any, ...]


def random_model(rng: random.Random, model_id: str) -> Model:
    return Model(
        model_id,
        name=rng.choice(["A", "B"]),
        category=rng.choice([None, "stems"]),
        access=rng.choice(["enabled", "request_access"]),
        inputs=tuple(
            ModelInput(
                f"in{i}",
                description=rng.choice([None, "media"]),
                required=rng.choice([True, False, None]),
                task_fields=tuple(rng.sample(["url", "assetId"], rng.randint(0, 2))),
                formats=frozenset(rng.sample(FORMATS, rng.randint(0, 3))),
            )
            for i in rng.sample(range(3), rng.randint(0, 2))
        ),
        output_formats=frozenset(rng.sample(FORMATS, rng.randint(0, 2))),
        prices=tuple(
            Price("unit", variant, "credits", Decimal(rng.choice(["1", "1.5", "2"])))
            for variant in rng.sample(["720p", "1080p"], rng.randint(0, 2))
        ),
        attributes={
            k: rng.choice([1, [1, 2], {"x": "y"}])
            for k in rng.sample(["a", "b"], rng.randint(0, 2))
        },
    )


def random_sequence(seed: int, versions: int = 6) -> list[Catalog]:
    """Catalogs where each step changes a few models, removes some, brings some back."""
    rng = random.Random(seed)
    pool = [f"m{i}" for i in range(8)]
    models = {m: random_model(rng, m) for m in rng.sample(pool, 5)}
    sequence = [Catalog("akool", tuple(models.values()))]
    for _ in range(versions - 1):
        for model_id in rng.sample(pool, 3):
            if model_id in models and rng.random() < 0.3:
                del models[model_id]
            else:
                models[model_id] = random_model(rng, model_id)
        sequence.append(Catalog("akool", tuple(models.values())))
    return sequence


def facts(catalog: Catalog) -> set[Fact]:
    """Every row the catalog states, table by table, in plain values."""
    found: set[Fact] = set()
    for m in catalog.models:
        found.add(("models", m.model_id, m.name, m.category, m.description, m.access))
        found.update(("outputs", m.model_id, f.kind, f.name) for f in m.output_formats)
        found.update(
            ("prices", m.model_id, p.price_type, p.variant, p.unit, p.amount) for p in m.prices
        )
        found.update(
            ("attributes", m.model_id, k, dumps_canonical(v)) for k, v in m.attributes.items()
        )
        for i in m.inputs:
            found.add(
                (
                    "inputs",
                    m.model_id,
                    i.input_id,
                    i.description,
                    i.required,
                    dumps_canonical(list(i.task_fields)),
                    tuple(sorted(f.label for f in i.formats)),
                )
            )
            found.update(
                ("input_formats", m.model_id, i.input_id, f.kind, f.name) for f in i.formats
            )
    return found


def reference_history(sequence: list[Catalog]) -> set[tuple[Fact, int, int | None]]:
    """(fact, opened in version, closed in version) from the catalogs alone."""
    states: list[set[Fact]] = []
    for catalog in sequence:  # a catalog equal to the previous one makes no version
        state = facts(catalog)
        if not states or state != states[-1]:
            states.append(state)
    history: set[tuple[Fact, int, int | None]] = set()
    for fact in set().union(*states):
        present = [fact in state for state in states]
        start = None
        for number, here in enumerate([*present, False], start=1):
            if here and start is None:
                start = number
            elif not here and start is not None:
                history.add((fact, start, None if number > len(states) else number))
                start = None
    return history


def stored_history(engine) -> set[tuple[Fact, int, int | None]]:
    queries = {
        "models": "SELECT t.model_id, t.name, t.category, t.description, t.access",
        "outputs": "SELECT t.model_id, f.kind, f.name",
        "prices": "SELECT t.model_id, t.price_type, t.variant, t.unit, t.amount",
        "attributes": "SELECT t.model_id, t.name, t.value",
        "inputs": (
            "SELECT t.model_id, t.input_id, t.description, t.required, t.task_fields, t.format_ids"
        ),
        "input_formats": "SELECT t.model_id, t.input_id, f.kind, f.name",
    }
    tables = {
        "models": "models",
        "outputs": "model_output_formats",
        "prices": "prices",
        "attributes": "model_attributes",
        "inputs": "model_inputs",
        "input_formats": "model_input_formats",
    }
    found: set[tuple[Fact, int, int | None]] = set()
    with engine.connect() as conn:
        labels = dict(conn.execute(text("SELECT id, kind || '/' || name FROM formats")).all())
        for kind, select in queries.items():
            join = " JOIN formats f ON f.id = t.format_id" if "f.kind" in select else ""
            sql = (
                f"{select}, o.version, c.version FROM {tables[kind]} t{join}"
                " JOIN catalog_versions o ON o.id = t.opened_in_version_id"
                " LEFT JOIN catalog_versions c ON c.id = t.closed_in_version_id"
            )
            for row in conn.execute(text(sql)):
                *values, opened, closed = row
                if kind == "prices":
                    values[-1] = Decimal(str(values[-1]))
                if kind == "inputs":
                    values[3] = None if values[3] is None else bool(values[3])
                    values[5] = tuple(sorted(labels[i] for i in json.loads(values[5])))
                found.add(((kind, *values), opened, closed))
    return found


def _merge_model_runs(
    history: set[tuple[Fact, int, int | None]],
) -> set[tuple[Fact, int, int | None]]:
    """Join adjacent runs that the store splits and the reference has no reason to.

    A model row reopens whenever anything about the model changes, and the per-format
    views follow the rows they come from: a model's outputs, an input's formats.
    """
    merged: set[tuple[Fact, int, int | None]] = set()
    by_fact: dict[Fact, list[tuple[int, int | None]]] = {}
    for fact, opened, closed in history:
        by_fact.setdefault(fact, []).append((opened, closed))
    for fact, runs in by_fact.items():
        runs.sort()
        start, end = runs[0]
        for opened, closed in runs[1:]:
            if fact[0] in ("models", "outputs", "input_formats") and end == opened:
                end = closed
                continue
            merged.add((fact, start, end))
            start, end = opened, closed
        merged.add((fact, start, end))
    return merged


@pytest.mark.parametrize("seed", range(12))
def test_fast_path_matches_the_reference(engine, seed):
    sequence = random_sequence(seed)
    provider_id = ensure_provider(engine, "akool", datetime.now(UTC))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day, catalog in enumerate(sequence):
        with engine.begin() as conn:
            store_catalog(
                conn,
                provider_id,
                catalog,
                b"{}",
                observed_at=start + timedelta(days=day),
                recorded_at=start,
                source="test",
                max_removal_fraction=1.0,
            )
    # Model rows are also reopened when only their children change, and the per-format
    # views follow their rows; merge those runs on the stored side.
    assert _merge_model_runs(stored_history(engine)) == reference_history(sequence)
    assert orphans(engine) == []


def orphans(engine) -> list[tuple[str, int]]:
    """History rows naming a provider or version that does not exist (no declared keys)."""
    found = []
    with engine.connect() as conn:
        for table in ("models", "model_inputs", "prices", "model_attributes"):
            sql = (
                f"SELECT t.id FROM {table} t"
                " LEFT JOIN providers p ON p.id = t.provider_id"
                " LEFT JOIN catalog_versions o"
                "   ON o.id = t.opened_in_version_id AND o.provider_id = t.provider_id"
                " LEFT JOIN catalog_versions c"
                "   ON c.id = t.closed_in_version_id AND c.provider_id = t.provider_id"
                " WHERE p.id IS NULL OR o.id IS NULL"
                "    OR (t.closed_in_version_id IS NOT NULL AND c.id IS NULL)"
            )
            found += [(table, row_id) for (row_id,) in conn.execute(text(sql))]
    return found


def test_the_orphan_check_finds_orphans(engine):
    """The check above can fail: a row naming a version that does not exist."""
    test_fast_path_matches_the_reference(engine, 0)
    with engine.begin() as conn:
        conn.execute(text("UPDATE prices SET opened_in_version_id = 999 WHERE id = 1"))
    assert orphans(engine) == [("prices", 1)]
