"""``amount_value`` filters and orders on SQLite as on PostgreSQL, and as exact decimals do.

On SQLite ``amount`` is exact decimal text and ``amount_value`` its REAL companion; on
PostgreSQL both are NUMERIC. A seeded list of a few hundred amounts of varied magnitude
(1e-12 to 1e9) and length (1 to 15 significant digits, neighbours that differ only in the
15th digit, equal amounts under different models) is stored the same way on both databases;
``ORDER BY amount_value, model_id`` and ``WHERE amount_value > X`` must give the rows that
Python's exact ``Decimal`` order gives, on each database, and the same rows on both.

Where REAL cannot keep up (docs/analysts.md, "Exact amounts and numeric values"), the tests
say so explicitly: amounts that differ only beyond ~15 significant digits share one
``amount_value`` on SQLite, and ``pct_change``, rounded in REAL there, can differ from
PostgreSQL's in its second decimal when the exact percentage ends in a 5 there.
"""

from __future__ import annotations

import itertools
import random
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from catalogsync.codec import canonical_decimal
from catalogsync.db.session import make_engine
from tests.conftest import postgres_database
from tests.test_analyst_docs import QUERIES, answer, build_analyst_data, sync_market

SEED = 20261130
COUNT = 300


def random_amounts(seed: int = SEED, count: int = COUNT) -> list[Decimal]:
    """``count`` amounts: the classic text-order traps, then random ones of 1 to 15
    significant digits with their leading digit from 1e-12 to 1e9, some followed by their
    neighbour in the 15th digit, some repeated."""
    rng = random.Random(seed)
    amounts = [Decimal(s) for s in ("0", "9", "10", "100", "2.5", "0.1", "0.3", "0.0000001")]
    while len(amounts) < count:
        digits = rng.randint(1, 15)
        leading = rng.randint(-12, 9)
        amount = Decimal(rng.randrange(10 ** (digits - 1), 10**digits)).scaleb(leading - digits + 1)
        amounts.append(amount)
        if digits == 15 and rng.random() < 0.5:
            amounts.append(amount + Decimal(1).scaleb(leading - 14))
        if rng.random() < 0.05:
            amounts.append(amount)
    return amounts[:count]


def priced(amounts: dict[str, Decimal]) -> dict[str, Any]:
    """A market catalog: one model per entry, charged its amount per request in USD."""
    return {
        "models": [
            {
                "id": model_id,
                "name": model_id,
                "category": "test",
                "prices": [
                    {
                        "type": "request",
                        "unit": "USD/request",
                        "currency": "USD",
                        "amount": canonical_decimal(amount),
                    }
                ],
            }
            for model_id, amount in amounts.items()
        ]
    }


def random_catalog() -> dict[str, Decimal]:
    """The random amounts by model id, ids shuffled so their order is not the amounts'."""
    amounts = random_amounts()
    ids = random.Random(SEED + 1).sample(range(len(amounts)), len(amounts))
    return {f"m{i:03d}": amount for i, amount in zip(ids, amounts, strict=True)}


def thresholds(amounts: dict[str, Decimal]) -> list[Decimal]:
    """Values for ``amount_value > X``: stored amounts themselves, points between them,
    and the ends."""
    stored = sorted(set(amounts.values()))
    rng = random.Random(SEED + 2)
    picks = rng.sample(stored, 20)
    between = [(a + b) / 2 for a, b in itertools.pairwise(stored)]
    return sorted(
        {
            *picks,
            *(x for x in rng.sample(between, 10) if len(x.normalize().as_tuple().digits) <= 15),
            Decimal(0),
            Decimal("0.3"),
            Decimal("2.5"),
            Decimal(10),
            Decimal("1e10"),
        }
    )


ORDERED = (
    "SELECT model_id FROM current_prices WHERE provider = 'market' ORDER BY amount_value, model_id"
)


def above(threshold: Decimal) -> str:
    return (
        "SELECT model_id FROM current_prices WHERE provider = 'market' "
        f"AND amount_value > {canonical_decimal(threshold)} ORDER BY model_id"
    )


def model_ids(engine: Engine, query: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(query)).scalars())


def stored_amounts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT model_id, amount FROM current_prices WHERE provider = 'market'")
        )
        return {row.model_id: row.amount for row in rows}


def test_random_amounts_are_varied():
    amounts = random_amounts()
    digits = {len(a.normalize().as_tuple().digits) for a in amounts if a}
    assert len(amounts) == COUNT
    assert len(set(amounts)) < COUNT  # some repeated
    assert digits == set(range(1, 16))
    assert min(a for a in amounts if a) < Decimal("1e-10")
    assert max(amounts) > Decimal("1e8")
    neighbours = sorted(set(amounts))
    assert any(
        b - a == Decimal(1).scaleb(a.adjusted() - 14) for a, b in itertools.pairwise(neighbours)
    ), "no two amounts differ only in the 15th significant digit"


def test_amount_value_orders_and_filters_as_exact_decimals(engine):
    catalog = random_catalog()
    assert sync_market(engine, priced(catalog), 0) == "succeeded"

    exact_order = [m for m, _ in sorted(catalog.items(), key=lambda item: (item[1], item[0]))]
    assert model_ids(engine, ORDERED) == exact_order
    for x in thresholds(catalog):
        assert model_ids(engine, above(x)) == sorted(m for m, a in catalog.items() if a > x), x

    # ... while ``amount`` stays the exact value, digit for digit.
    stored = stored_amounts(engine)
    assert {m: Decimal(str(a)) for m, a in stored.items()} == catalog
    if engine.dialect.name == "sqlite":
        assert stored == {m: canonical_decimal(a) for m, a in catalog.items()}


@pytest.fixture
def both_engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Engine]]:
    """A fresh SQLite and a fresh PostgreSQL database, both at the newest schema."""
    path = tmp_path / "amounts.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    template = request.getfixturevalue("postgres_template")
    with postgres_database("amounts", template) as (_, url):
        engines = {"sqlite": make_engine(f"sqlite:///{path}"), "postgresql": make_engine(url)}
        try:
            yield engines
        finally:
            for engine in engines.values():
                engine.dispose()


@pytest.mark.postgres
def test_sqlite_gives_the_rows_postgresql_gives(both_engines):
    catalog = random_catalog()
    for engine in both_engines.values():
        assert sync_market(engine, priced(catalog), 0) == "succeeded"
    queries = [ORDERED, *(above(x) for x in thresholds(catalog))]
    sqlite, postgresql = both_engines["sqlite"], both_engines["postgresql"]
    for query in queries:
        assert model_ids(sqlite, query) == model_ids(postgresql, query), query


@pytest.mark.postgres
def test_the_documented_queries_give_the_same_answers_on_both(both_engines):
    for engine in both_engines.values():
        build_analyst_data(engine)
    for title, query in QUERIES:
        assert answer(both_engines["sqlite"], query) == answer(both_engines["postgresql"], query), (
            title
        )


# Pairs that differ only beyond 15 significant digits: w1 > w2 and t1 > t2, ids in the
# opposite order, so that a tie on SQLite shows as model_id order.
BEYOND_REAL = {
    "t1": Decimal("0.30000000000000000001"),
    "t2": Decimal("0.3"),
    "w1": Decimal("123456789012345678901234567891"),
    "w2": Decimal("123456789012345678901234567890"),
}


def test_where_real_rounds_as_documented(engine):
    """SQLite's REAL ``amount_value`` cannot tell these pairs apart; ``amount`` can."""
    assert sync_market(engine, priced({**BEYOND_REAL, "p": Decimal("48.5")}), 0) == "succeeded"
    assert sync_market(engine, priced({**BEYOND_REAL, "p": Decimal("59.414925")}), 1) == (
        "succeeded"
    )
    beyond = "model_id <> 'p'"
    stored = stored_amounts(engine)
    assert {m: Decimal(str(stored[m])) for m in BEYOND_REAL} == BEYOND_REAL  # exact on both
    with engine.connect() as conn:
        values = {
            row.model_id: row.amount_value
            for row in conn.execute(
                text(f"SELECT model_id, amount_value FROM current_prices WHERE {beyond}")
            )
        }
        pct = conn.execute(
            text("SELECT pct_change FROM price_changes WHERE model_id = 'p' AND change = 'changed'")
        ).scalar_one()
    ordered = model_ids(engine, f"{ORDERED.replace('ORDER BY', f'AND {beyond} ORDER BY')}")
    tiny = model_ids(engine, above(Decimal("0.3")).replace("ORDER BY", f"AND {beyond} ORDER BY"))
    if engine.dialect.name == "sqlite":
        assert values["t1"] == values["t2"]
        assert values["w1"] == values["w2"]
        assert ordered == ["t1", "t2", "w1", "w2"]  # ties, broken by model_id
        assert tiny == ["w1", "w2"]  # t1 is not above 0.3 in REAL
        # (59.414925 - 48.5) * 100 / 48.5 is exactly 22.505; REAL makes it 22.50499...
        assert Decimal(str(pct)) == Decimal("22.5")
    else:
        assert values == BEYOND_REAL
        assert ordered == ["t2", "t1", "w2", "w1"]
        assert tiny == ["t1", "w1", "w2"]
        assert pct == Decimal("22.51")
