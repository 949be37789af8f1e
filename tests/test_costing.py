"""``catalogsync cost`` on a history of real-shaped payloads, on both databases: every cost
computed by hand, exact to the last digit; every unpriceable row with its reason; the exit
codes; malformed logs named by line and column.

The history is ``tests/costing_history.py``'s (its docstring lists what it holds). Prices
per 1M tokens there: OpenRouter's model 2.5 in, 10 out (from day 10: 3 in), litellm's 3
in, 15 out.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalogsync import api
from catalogsync.costing.usage import read_usage
from catalogsync.db.session import make_engine
from tests.costing_history import OPENROUTER_MODEL, ROUTER, build_history
from tests.helpers import cli

OR, LL = ("openrouter", OPENROUTER_MODEL), ("litellm", "every/cost-key")
TOGETHER = ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")
TUE = "2026-01-06T05:00:00Z"  # outside OpenRouter's window (10:00-01:00 on mon,sat)

# (timestamp, (provider, model), {column: value}, expected cost, currency, version)
PRICED: list[tuple[str, tuple[str, str], dict[str, str], str, str, int]] = [
    # every OpenRouter price type, one at a time
    (TUE, OR, {"input_tokens": "1000"}, "0.0025", "USD", 1),
    (TUE, OR, {"output_tokens": "2000"}, "0.02", "USD", 1),
    (TUE, OR, {"cache_read_tokens": "3000"}, "0.00375", "USD", 1),
    (TUE, OR, {"cache_write_tokens": "4000"}, "0.0125", "USD", 1),
    (TUE, OR, {"cache_write_1h_tokens": "5000"}, "0.025", "USD", 1),
    (TUE, OR, {"reasoning_tokens": "6000"}, "0.06", "USD", 1),
    (TUE, OR, {"input_audio_tokens": "7000"}, "0.28", "USD", 1),
    (TUE, OR, {"output_audio_tokens": "8000"}, "0.64", "USD", 1),
    (TUE, OR, {"input_audio_cache_tokens": "9000"}, "0.000018", "USD", 1),
    (TUE, OR, {"input_image_tokens": "10000"}, "0.025", "USD", 1),
    (TUE, OR, {"request": "1"}, "0.0005", "USD", 1),
    (TUE, OR, {"input_image": "2"}, "0.007226", "USD", 1),
    (TUE, OR, {"output_image": "3"}, "0.12", "USD", 1),
    (TUE, OR, {"web_search": "4"}, "0.04", "USD", 1),
    # the long-context tier: the prompt size counts input and cache tokens
    (TUE, OR, {"input_tokens": "200000"}, "0.5", "USD", 1),
    (TUE, OR, {"input_tokens": "199999", "cache_read_tokens": "1"}, "0.49999875", "USD", 1),
    (TUE, OR, {"input_tokens": "200000", "cache_read_tokens": "1"}, "1.00000125", "USD", 1),
    (TUE, OR, {"input_tokens": "200001"}, "1.000005", "USD", 1),
    (TUE, OR, {"input_tokens": "200001", "output_tokens": "10"}, "1.000205", "USD", 1),
    # the window utc 10:00-01:00 on mon,sat: 1.25 instead of 2.5
    ("2026-01-05T10:00:00Z", OR, {"input_tokens": "1000"}, "0.00125", "USD", 1),
    ("2026-01-05T09:59:59Z", OR, {"input_tokens": "1000"}, "0.0025", "USD", 1),
    ("2026-01-05T00:30:00Z", OR, {"input_tokens": "1000"}, "0.00125", "USD", 1),
    ("2026-01-05T01:00:00Z", OR, {"input_tokens": "1000"}, "0.0025", "USD", 1),
    ("2026-01-06T00:30:00Z", OR, {"input_tokens": "1000"}, "0.0025", "USD", 1),
    ("2026-01-10T23:59:59Z", OR, {"input_tokens": "1000"}, "0.00125", "USD", 1),
    # both: the long-context input price; the combined tier's cache read price (2.5)
    (
        "2026-01-05T12:00:00Z",
        OR,
        {"input_tokens": "300000", "cache_read_tokens": "1000"},
        "1.5025",
        "USD",
        1,
    ),
    # the price changed between two rows of the same model (2.5 -> 3 at day 10)
    # (Saturday evening is in the window; Sunday is not)
    ("2026-01-10T05:00:00Z", OR, {"input_tokens": "1000"}, "0.0025", "USD", 1),
    ("2026-01-10T23:59:59.999999Z", OR, {"input_tokens": "1000"}, "0.00125", "USD", 1),
    ("2026-01-11T00:00:00Z", OR, {"input_tokens": "1000"}, "0.003", "USD", 2),
    ("2026-01-11T00:30:00+01:00", OR, {"input_tokens": "1000"}, "0.00125", "USD", 1),
    ("2026-01-11T05:00:00Z", OR, {"input_tokens": "1000"}, "0.003", "USD", 2),
    # litellm: service tiers, three long-context tiers, per-unit prices, search sizes
    (TUE, LL, {"input_tokens": "1000", "output_tokens": "1000"}, "0.018", "USD", 1),
    (
        TUE,
        LL,
        {"service_tier": "batch", "input_tokens": "1000", "output_tokens": "1000"},
        "0.009",
        "USD",
        1,
    ),
    (TUE, LL, {"service_tier": "flex", "cache_read_tokens": "1000"}, "0.00015", "USD", 1),
    (TUE, LL, {"service_tier": "priority", "input_tokens": "300000"}, "3.6", "USD", 1),
    (TUE, LL, {"service_tier": "priority", "input_tokens": "1000"}, "0.006", "USD", 1),
    (TUE, LL, {"input_tokens": "128000"}, "0.384", "USD", 1),
    (TUE, LL, {"input_tokens": "150000"}, "0.6", "USD", 1),
    (TUE, LL, {"input_tokens": "250000"}, "1.5", "USD", 1),
    (TUE, LL, {"input_tokens": "272001"}, "2.176008", "USD", 1),
    (TUE, LL, {"variant": "medium", "web_search": "2", "input_tokens": "1000"}, "0.073", "USD", 1),
    (TUE, LL, {"input_per_second": "30"}, "0.003", "USD", 1),
    (TUE, LL, {"output_per_second": "10.5"}, "5.25", "USD", 1),
    (TUE, LL, {"input_audio_per_second": "2"}, "0.0000625", "USD", 1),
    (TUE, LL, {"input_pixel": "1000000"}, "0.045", "USD", 1),
    (TUE, LL, {"output_pixel": "1000000"}, "0", "USD", 1),
    (TUE, LL, {"input_character": "1000"}, "0.0003125", "USD", 1),
    (TUE, LL, {"input_query": "3"}, "0.006", "USD", 1),
    (TUE, LL, {"citation_cost_per_token": "1000"}, "0.002", "USD", 1),
    (TUE, ("litellm", "legacy/per-1k"), {"input_tokens": "1000"}, "0.0015", "USD", 1),
    # an openai_compatible instance: per 1M tokens, per hour
    (TUE, TOGETHER, {"input_tokens": "1000", "output_tokens": "500"}, "0.00132", "USD", 1),
    (TUE, TOGETHER, {"per_hour": "1.5"}, "3.75", "USD", 1),
    # credits: per resolution (a variant), per minute
    (
        TUE,
        ("akool", "AkoolImage2VideoFastV1"),
        {"variant": "1080p", "unit": "3"},
        "30",
        "akool credits",
        1,
    ),
    (
        TUE,
        ("akool", "AkoolImage2VideoFastV1"),
        {"variant": "4k", "unit": "1"},
        "20",
        "akool credits",
        1,
    ),
    (TUE, ("audioshake", "bass"), {"per_minute": "2.5"}, "7.5", "audioshake credits", 2),
    (
        "2026-01-02T00:00:00Z",
        ("audioshake", "drums"),
        {"per_minute": "0.1"},
        "0.15",
        "audioshake credits",
        1,
    ),
]

# (timestamp, (provider, model), {column: value}, words the reason must hold)
UNPRICED: list[tuple[str, tuple[str, str], dict[str, str], str]] = [
    (TUE, ("nobody", "x"), {"input_tokens": "1"}, "unknown provider 'nobody'"),
    (TUE, ("openrouter", "no/such-model"), {"input_tokens": "1"}, "unknown model 'no/such-model'"),
    (
        "2025-12-31T23:59:59Z",
        OR,
        {"input_tokens": "1"},
        "no catalog version at 2025-12-31T23:59:59Z",
    ),
    ("2026-01-07T00:00:00Z", ("audioshake", "drums"), {"per_minute": "1"}, "had been removed"),
    (TUE, ("openrouter", ROUTER), {"input_tokens": "1"}, "variable price"),
    (TUE, OR, {"input_video_tokens": "1"}, "no price for input_video_tokens"),
    (
        TUE,
        LL,
        {"service_tier": "batch", "cache_read_tokens": "1"},
        "no price for cache_read_tokens (service tier 'batch')",
    ),
    (
        TUE,
        ("akool", "AkoolImage2VideoFastV1"),
        {"variant": "8k", "unit": "1"},
        "variant '8k' does not exist",
    ),
    (TUE, ("akool", "AkoolImage2VideoFastV1"), {"unit": "1"}, "no price for unit"),
    (TUE, LL, {"region": "mars-1", "input_tokens": "1"}, "region 'mars-1' does not exist"),
    (TUE, LL, {"service_tier": "gold", "input_tokens": "1"}, "service tier 'gold' does not exist"),
    (TUE, OR, {}, "no quantity"),
]

COLUMNS = sorted({name for rows in (PRICED, UNPRICED) for row in rows for name in row[2]})


@pytest.fixture
def history(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    engine = make_engine(database_url)
    build_history(engine)
    engine.dispose()
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    return database_url


def usage_csv(rows: list[tuple[Any, ...]]) -> str:
    header = ["timestamp", "provider", "model", *COLUMNS]
    lines = [",".join(header)]
    for stamp, (provider, model), values, *_ in rows:
        lines.append(",".join([stamp, provider, model, *(values.get(c, "") for c in COLUMNS)]))
    return "\n".join(lines) + "\n"


def run_cost(
    tmp_path: Path, text: str, *extra: str, name: str = "usage.csv"
) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_text(text)
    code, out = cli("cost", str(path), "--format", "jsonl", *extra)
    return code, [json.loads(line, parse_float=Decimal) for line in out.splitlines()]


def test_every_price_type_tier_window_and_change_costs_exactly(history, tmp_path):
    code, records = run_cost(tmp_path, usage_csv(PRICED), "--group-by", "provider")
    rows = [r for r in records if r["kind"] == "row"]
    assert code == 0
    got = [(str(r["cost"]), r["currency"], r["catalog_version"], r["reason"]) for r in rows]
    assert got == [(cost, currency, version, None) for *_, cost, currency, version in PRICED]
    totals = {r["currency"]: (r["cost"], r["rows"]) for r in records if r["kind"] == "total"}
    usd = sum(Decimal(cost) for *_, cost, currency, _ in PRICED if currency == "USD")
    assert totals["USD"] == (usd, sum(1 for row in PRICED if row[4] == "USD"))
    assert totals["akool credits"] == (Decimal(50), 2)
    assert totals["audioshake credits"] == (Decimal("7.65"), 2)
    groups = {(r["group"], r["currency"]): r["cost"] for r in records if r["kind"] == "group"}
    assert groups[("akool", "akool credits")] == Decimal(50)
    assert groups[("together", "USD")] == Decimal("3.75132")
    assert sum(cost for (_, currency), cost in groups.items() if currency == "USD") == usd
    assert records[-1] == {**dict.fromkeys(records[-1]), "kind": "unpriced", "rows": 0}


def test_every_unpriceable_row_says_why_and_exits_1(history, tmp_path):
    priced = PRICED[0]
    rows = [*UNPRICED, priced]
    code, records = run_cost(tmp_path, usage_csv(rows))
    assert code == 1
    found = [r for r in records if r["kind"] == "row"]
    for row, (*_, words) in zip(found, UNPRICED, strict=False):
        assert row["cost"] is None
        assert row["currency"] is None
        assert words in row["reason"], row
    assert found[-1]["cost"] == Decimal(priced[3])  # written even though others are not
    assert records[-1]["rows"] == len(UNPRICED)


def test_the_closing_count_is_a_json_log_line_under_log_format_json(history, tmp_path, capsys):
    priced = PRICED[0]
    code, _ = run_cost(tmp_path, usage_csv([priced, UNPRICED[0]]))
    assert code == 1
    assert capsys.readouterr().err.strip() == "catalogsync: priced 1 row, 1 unpriced"
    code, _ = run_cost(tmp_path, usage_csv([priced]), "--log-format", "json")
    assert code == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "priced 1 row, 0 unpriced"


def test_json_lines_usage_and_stdin(history, tmp_path, monkeypatch):
    lines = [
        json.dumps(
            {
                "timestamp": TUE,
                "provider": "openrouter",
                "model": OPENROUTER_MODEL,
                "input_tokens": 1000,
                "output_tokens": "2000",
                "user": None,
            }
        ),
        json.dumps(
            {
                "timestamp": TUE,
                "provider": "akool",
                "model": "AkoolImage2VideoFastV1",
                "variant": "720p",
                "unit": 2.5,
            }
        ),
    ]
    text = "\n".join(lines) + "\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out = cli("cost", "-", "--format", "csv")
    assert code == 0
    body = out.splitlines()
    assert body[0].startswith("kind,line,timestamp")
    assert body[1].split(",")[9:11] == ["0.0225", "USD"]
    assert body[2].split(",")[9:11] == ["12.5", "akool credits"]


def test_output_file_takes_its_format_from_the_extension(history, tmp_path):
    (tmp_path / "u.csv").write_text(usage_csv(PRICED[:2]), encoding="utf-8-sig")  # Excel's BOM
    code, out = cli("cost", str(tmp_path / "u.csv"), "--output", str(tmp_path / "costs.json"))
    assert code == 0
    assert out == ""
    document = json.loads((tmp_path / "costs.json").read_text(), parse_float=Decimal)
    assert [r["cost"] for r in document["rows"]] == [Decimal("0.0025"), Decimal("0.02")]
    assert document["totals"] == [{"cost": Decimal("0.0225"), "currency": "USD", "rows": 2}]
    assert document["unpriced_rows"] == 0


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("2026-01-06,openrouter,m,12\nnot-a-time,openrouter,m,1\n", "line 3, column timestamp"),
        ("2026-01-06,openrouter,m,-5\n", "line 2, column input_tokens: negative quantity"),
        ("2026-01-06,openrouter,m,lots\n", "line 2, column input_tokens: 'lots' is not a quantity"),
        ("2026-01-06,openrouter,m\n", "line 2: 3 fields, the header has 4"),
        ("2026-01-06,,m,1\n", "line 2, column provider: must not be empty"),
    ],
)
def test_a_malformed_row_exits_2_naming_line_and_column(history, tmp_path, capsys, body, where):
    (tmp_path / "u.csv").write_text("timestamp,provider,model,input_tokens\n" + body)
    code, _ = cli("cost", str(tmp_path / "u.csv"), "--output", str(tmp_path / "out.csv"))
    assert code == 2
    assert where in capsys.readouterr().err
    assert list(tmp_path.glob("out.csv*")) == []  # nothing half-written is left


def test_missing_required_column_and_bad_json_line(history, tmp_path, capsys):
    (tmp_path / "u.csv").write_text("timestamp,model,input_tokens\n2026-01-06,m,1\n")
    assert cli("cost", str(tmp_path / "u.csv"))[0] == 2
    assert "line 1, column provider: a required column is missing" in capsys.readouterr().err
    (tmp_path / "u.jsonl").write_text(
        '{"timestamp": "2026-01-06", "provider": "a", "model": "b"}\n{oops\n'
    )
    assert cli("cost", str(tmp_path / "u.jsonl"))[0] == 2
    assert "line 2: not JSON" in capsys.readouterr().err


def test_the_library_streams_rows_without_the_command_line(history):
    db = api.open_database(history)
    try:
        rows = read_usage(io.StringIO(usage_csv(PRICED[:3])), "csv")
        costed = list(api.cost_of(db, rows))
    finally:
        db.close()
    assert [c.cost for c in costed] == [Decimal(row[3]) for row in PRICED[:3]]
    assert all(c.version == 1 for c in costed)


def test_table_and_groups_by_day(history, tmp_path):
    rows = [PRICED[0], PRICED[19], UNPRICED[0]]  # Tuesday, Monday, and an unknown provider
    (tmp_path / "u.csv").write_text(usage_csv(rows))
    code, out = cli("cost", str(tmp_path / "u.csv"), "--group-by", "day")
    assert code == 1
    lines = out.splitlines()
    assert "0.0025  USD (v1)" in lines[1]
    assert "0.00125  USD (v1)" in lines[2]
    assert "UNPRICED  unknown provider 'nobody'" in lines[3]
    assert "By day" in out
    code, out = cli("cost", str(tmp_path / "u.csv"), "--group-by", "day", "--format", "json")
    groups = json.loads(out, parse_float=Decimal)["groups"]
    assert groups == [
        {
            "group_by": "day",
            "group": "2026-01-05",
            "cost": Decimal("0.00125"),
            "currency": "USD",
            "rows": 1,
        },
        {"group_by": "day", "group": "2026-01-06", "cost": None, "currency": None, "rows": 1},
        {
            "group_by": "day",
            "group": "2026-01-06",
            "cost": Decimal("0.0025"),
            "currency": "USD",
            "rows": 1,
        },
    ]


def test_histories_load_once_per_model_not_per_row(history):
    from sqlalchemy import event

    db = api.open_database(history)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        rows = [PRICED[0], PRICED[20], *[PRICED[30]] * 3, UNPRICED[0]] * 200
        costed = list(api.cost_of(db, read_usage(io.StringIO(usage_csv(rows)), "csv")))
    finally:
        db.close()
    assert len(costed) == 1200
    # per provider (openrouter, litellm, nobody): its versions; per model: its rows, its prices
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 3 * 2 + 2 * 2
