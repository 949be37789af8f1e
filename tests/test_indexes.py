"""EXPLAIN shows the indexes serving the hot queries, on SQLite and PostgreSQL.

Test tables are tiny, so PostgreSQL's planner would rightly prefer sequential scans:
with them switched off, the plan shows which index can serve the query at scale.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import akool_model, akool_payload
from tests.helpers import store

QUERIES = {
    "current models of a provider": (
        "SELECT model_id, id, content_hash FROM models WHERE provider_id = 1 AND valid_to IS NULL",
        # Both lead with provider_id; without statistics SQLite's choice between them
        # depends on the order the indexes were created in.
        ("uq_models_current", "ix_models_model"),
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
        "ix_prices_model",
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
    return engine


# Known gaps on SQLite, part of the open performance work. strict: the day they pass, the
# marker must go.
SQLITE_GAPS = {
    # SQLite does not push the period filter into the view's UNION ALL branches and scans
    # every price row; the report should filter inside each branch itself.
    "price changes in a period",
    # With no statistics SQLite prefers the provider_id prefix index; ANALYZE (or
    # PRAGMA optimize) or a composite index would pick the version index.
    "models changed between versions (diff)",
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_the_query_is_served_by_an_index(history, name, request):
    sql, index = QUERIES[name]
    if name in SQLITE_GAPS and history.dialect.name == "sqlite":
        request.applymarker(pytest.mark.xfail(strict=True, reason="known SQLite planning gap"))
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
