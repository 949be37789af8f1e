"""EXPLAIN shows the indexes serving the hot queries, on SQLite and PostgreSQL.

Test tables are tiny, so the planners would rightly prefer reading whole tables. On
PostgreSQL sequential scans are switched off; SQLite is given the statistics of a large
database (catalogsync keeps real ones current with ``PRAGMA optimize``). Either way the
plan shows which index serves the query at scale.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import akool_model, akool_payload
from tests.helpers import store

QUERIES = {
    "current models of a provider": (
        "SELECT model_id, id, content_hash FROM models WHERE provider_id = 1 AND valid_to IS NULL",
        "uq_models_current",
    ),
    "current children of changed models": (
        "SELECT id, price_type, variant, unit, amount FROM prices"
        " WHERE provider_id = 1 AND model_id IN ('A', 'B') AND valid_to IS NULL",
        "uq_prices_current",
    ),
    "price history of one model": (
        "SELECT * FROM price_history WHERE provider = 'akool' AND model_id = 'A'",
        "ix_prices_model",
    ),
    "price changes in a period": (
        "SELECT * FROM price_changes WHERE changed_at >= '2026-02-01'",
        "ix_catalog_versions_fetched_at",
    ),
    "rows a version opened (price changes)": (
        "SELECT * FROM price_changes WHERE catalog_version = 2",
        "ix_prices_closed_in_version_id_model_id",
    ),
    "models changed between versions (diff)": (
        "SELECT model_id FROM models WHERE provider_id = 1"
        " AND opened_in_version_id > 1 AND opened_in_version_id <= 3",
        "ix_models_opened_in_version_id",
    ),
    "as of a version": (
        "SELECT model_id, price_type, variant, unit, amount FROM prices WHERE provider_id = 1"
        " AND opened_in_version_id <= 2 AND (closed_in_version_id IS NULL OR closed_in_version_id > 2)",
        # by model, or by the versions opened up to then: both ranges are indexed
        ("ix_prices_model", "ix_prices_opened_in_version_id_model_id"),
    ),
}


@pytest.fixture
def history(engine):
    for day, price in enumerate((5, 6, 7)):
        store(
            engine,
            "akool",
            akool_payload(akool_model("A", prices={"720p": price}), akool_model("B")),
            day=day,
        )
    if engine.dialect.name == "sqlite":
        _pretend_years_of_history(engine)
    else:
        _add_years_of_history(engine)
    return engine


def _add_years_of_history(engine) -> None:
    """Years of closed ``models`` rows on PostgreSQL, whose planner reads real statistics.

    50,000 rows of earlier states, each opened and closed by versions far from the ones
    the queries ask about: a scan of the provider's whole history then costs what it
    would, and the planner shows which index serves a narrow range of versions (on a
    tiny table every index costs the same, and ties are broken by the order indexes
    happened to be created in).
    """
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO models (provider_id, model_id, output_format_ids, content_hash,"
                " valid_from, valid_to, opened_in_version_id, closed_in_version_id)"
                " SELECT 1, 'earlier-' || (i % 5000), '[]', repeat('0', 64),"
                " TIMESTAMPTZ '2020-01-01', TIMESTAMPTZ '2020-01-02', 1000 + i / 50, 1001 + i / 50"
                " FROM generate_series(1, 50000) AS i"
            )
        )
        conn.execute(text("ANALYZE models"))


def _pretend_years_of_history(engine) -> None:
    """Statistics of a database with years of history, for SQLite's planner.

    Test tables are tiny, and SQLite without statistics breaks ties between indexes by
    the order they were created in. ANALYZE's table, written by hand, is SQLite's own way
    to plan as for another database: here 1,000 versions of 100,000 models, a tenth of the
    rows current, one price per model, a few rows per version and model.
    """
    counts = {
        "models": {
            "uq_models_current": "100000 100000 1",
            "ix_models_model": "1000000 1000000 10 1",
            "ix_models_opened_in_version_id": "1000000 1000",
            "ix_models_closed_in_version_id": "1000000 1000",
        },
        "prices": {
            "uq_prices_current": "100000 100000 1 1 1 1",
            "ix_prices_model": "1000000 1000000 10 1",
            "ix_prices_valid_from": "1000000 1000",
            "ix_prices_opened_in_version_id_model_id": "1000000 1000 1",
            "ix_prices_closed_in_version_id_model_id": "1000000 1000 1",
        },
        "catalog_versions": {"ix_catalog_versions_fetched_at": "1000 1"},
    }
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        conn.execute(text("DELETE FROM sqlite_stat1"))
        for table, indexes in counts.items():
            for index, stat in indexes.items():
                conn.execute(
                    text("INSERT INTO sqlite_stat1 VALUES (:t, :i, :s)"),
                    {"t": table, "i": index, "s": stat},
                )
        conn.execute(text("ANALYZE sqlite_schema"))  # reload the statistics


@pytest.mark.parametrize("name", list(QUERIES))
def test_the_query_is_served_by_an_index(history, name):
    sql, index = QUERIES[name]
    with history.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))
        else:
            plan = "\n".join(
                str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            )
    wanted = (index,) if isinstance(index, str) else index
    assert any(i in plan for i in wanted), f"{name}: expected {index} in the plan:\n{plan}"
