"""The SQL of docs/analysts.md's "Pricing usage" gives the totals ``catalogsync cost`` gives,
and finds the same unpriced requests, on the same usage, on SQLite and PostgreSQL.

The usage is the rows of ``tests/test_costing.py`` that the documented table can hold (its
quantity columns), priced and unpriced, on the history of ``tests/costing_history.py``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from catalogsync.db.session import make_engine
from tests.costing_history import build_history
from tests.helpers import cli
from tests.test_costing import PRICED, UNPRICED

DOC = Path(__file__).resolve().parent.parent / "docs" / "analysts.md"
DIMENSIONS = ("variant", "service_tier", "region")
QUANTITIES = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "request",
    "per_minute",
    "unit",
)


def block(info: str) -> Any:
    """The doc's one code block opened with ```` ```sql INFO ````, as a statement (its
    colons, as in ``':00'``, are not bind parameters)."""
    [found] = re.findall(rf"^```sql {info}\n(.*?)^```$", DOC.read_text(), re.M | re.S)
    return text(found.replace(":", "\\:"))


def fits(values: dict[str, str]) -> bool:
    """Whether the documented table holds a row's columns (and it has a quantity)."""
    return bool(set(values) - set(DIMENSIONS)) and set(values) <= {*DIMENSIONS, *QUANTITIES}


ROWS: list[tuple[str, tuple[str, str], dict[str, str]]] = [
    *((stamp, where, values) for stamp, where, values, *_ in PRICED),
    *((stamp, where, values) for stamp, where, values, _ in UNPRICED),
]
USAGE = [
    (stamp, provider, model, values) for stamp, (provider, model), values in ROWS if fits(values)
]


def utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).astimezone(UTC)


def load_usage(engine: Any) -> None:
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        conn.execute(block("usage-table"))
        for number, (stamp, provider, model, values) in enumerate(USAGE, start=1):
            when = utc(stamp)
            row = {
                "id": number,
                "ts": when.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else when,
                "provider": provider,
                "model": model,
                **{name: values.get(name, "") for name in DIMENSIONS},
                **{name: Decimal(values.get(name, "0")) for name in QUANTITIES},
            }
            if sqlite:  # exact text in, as an analyst's loader would write it
                row.update({name: str(row[name]) for name in QUANTITIES})
            columns = ", ".join(row)
            conn.execute(
                text(f"INSERT INTO usage ({columns}) VALUES ({', '.join(':' + c for c in row)})"),
                row,
            )
        conn.execute(block(engine.dialect.name))


def command_totals(tmp_path: Path) -> tuple[dict[str, tuple[Decimal, int]], list[int]]:
    header = ["timestamp", "provider", "model", *DIMENSIONS, *QUANTITIES]
    lines = [",".join(header)]
    for stamp, provider, model, values in USAGE:
        cells = [values.get(name, "") for name in (*DIMENSIONS, *QUANTITIES)]
        lines.append(",".join([stamp, provider, model, *cells]))
    (tmp_path / "usage.csv").write_text("\n".join(lines) + "\n")
    code, out = cli("cost", str(tmp_path / "usage.csv"), "--format", "jsonl")
    assert code == 1  # some rows are unpriced, on purpose
    records = [json.loads(line, parse_float=Decimal) for line in out.splitlines()]
    totals = {r["currency"]: (r["cost"], r["rows"]) for r in records if r["kind"] == "total"}
    unpriced = [r["line"] - 1 for r in records if r["kind"] == "row" and r["cost"] is None]
    return totals, unpriced


def test_the_usage_covers_tiers_windows_variants_and_unpriced_rows():
    assert len(USAGE) >= 30
    assert any(v.get("variant") for *_, v in USAGE)
    assert any(v.get("service_tier") for *_, v in USAGE)
    assert sum(1 for row in UNPRICED if fits(row[2])) >= 6


def test_the_documented_sql_gives_the_commands_totals(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    try:
        build_history(engine)
        load_usage(engine)
        with engine.connect() as conn:
            by_sql = {
                currency: (cost, requests)
                for currency, cost, requests in conn.execute(block("usage-totals"))
            }
            unpriced_by_sql = [row[0] for row in conn.execute(block("usage-unpriced"))]
    finally:
        engine.dispose()
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    totals, unpriced = command_totals(tmp_path)
    assert unpriced_by_sql == unpriced
    assert set(by_sql) == set(totals) == {"USD", "akool credits", "audioshake credits"}
    for currency, (cost, requests) in totals.items():
        sql_cost, sql_requests = by_sql[currency]
        assert sql_requests == requests
        if engine.dialect.name == "postgresql":
            assert Decimal(sql_cost) == cost  # NUMERIC: exact
        else:
            assert float(sql_cost) == pytest.approx(float(cost), rel=1e-12)
