"""The price report's options (kinds of change, first versions, order, minimum move), its
net summary, and relative times. SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from catalogsync import api
from catalogsync.cli.parser import parse_timestamp
from tests.factories import akool_model, akool_payload
from tests.helpers import T0, store
from tests.test_cli import run

# Four versions with known moves (v1 is the provider's first: every price "added").
HISTORY: list[tuple[int, dict[str, dict[str, Any]]]] = [
    (0, {"A": {"720p": 5, "1080p": 10}, "B": {"480p": 3}}),
    (10, {"A": {"720p": 4, "1080p": 10}, "B": {"480p": Decimal("3.3")}, "C": {"720p": 7}}),
    (20, {"A": {"720p": 4, "1080p": 15}, "C": {"720p": 7}}),
    (30, {"A": {"720p": Decimal("4.2"), "1080p": 15}, "B": {"480p": 3}, "C": {"720p": 7}}),
]
# (model, variant, change, percent) of every row after the first version, in time order.
MOVES = [
    ("A", "720p", "changed", Decimal("-20")),  # day 10, -1
    ("B", "480p", "changed", Decimal("10")),  # day 10, +0.3
    ("C", "720p", "added", None),  # day 10
    ("A", "1080p", "changed", Decimal("50")),  # day 20, +5
    ("B", "480p", "removed", None),  # day 20
    ("A", "720p", "changed", Decimal("5")),  # day 30, +0.2
    ("B", "480p", "added", None),  # day 30
]


@pytest.fixture
def moves(engine, database_url, monkeypatch):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    for day, models in HISTORY:
        payload = akool_payload(*(akool_model(m, prices=p) for m, p in models.items()))
        assert store(engine, "akool", payload, day=day).status == "succeeded"


def _report(*args: str) -> list[dict]:
    code, out = run("report", "prices", "--format", "json", *args)
    assert code == 0, out
    rows: list[dict] = json.loads(out, parse_float=Decimal)
    return rows


def _keys(rows: list[dict]) -> list[tuple]:
    return [
        (
            r["model_id"],
            r["variant"],
            r["change"],
            None if r["percent_change"] is None else Decimal(r["percent_change"]),
        )
        for r in rows
    ]


@pytest.mark.usefixtures("moves")
def test_first_versions_are_left_out_unless_asked_for():
    assert _keys(_report()) == MOVES
    everything = _report("--include-first-version")
    assert len(everything) == 3 + len(MOVES)
    assert {r["catalog_version"] for r in everything[:3]} == {1}
    assert {r["change"] for r in everything[:3]} == {"added"}
    code, out = run("report", "prices")
    assert code == 0
    assert "first versions left out (3 rows): use --include-first-version" in out
    code, out = run("report", "prices", "--format", "markdown")
    assert "_first versions left out (3 rows): use --include-first-version_" in out
    code, out = run("report", "prices", "--include-first-version")
    assert "left out" not in out


@pytest.mark.usefixtures("moves")
@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ("changed", {"changed"}),
        ("added,removed", {"added", "removed"}),
        ("removed, changed,removed", {"removed", "changed"}),
    ],
)
def test_change_keeps_only_the_kinds_named(kinds, expected):
    rows = _report("--change", kinds)
    assert {r["change"] for r in rows} == expected
    assert _keys(rows) == [m for m in MOVES if m[2] in expected]


@pytest.mark.usefixtures("moves")
def test_sort_by_percent_or_absolute_puts_the_largest_move_first():
    unmeasured = [m for m in MOVES if m[3] is None]  # in time order, at the end
    assert _keys(_report("--sort", "percent")) == [
        ("A", "1080p", "changed", Decimal("50")),
        ("A", "720p", "changed", Decimal("-20")),
        ("B", "480p", "changed", Decimal("10")),
        ("A", "720p", "changed", Decimal("5")),
        *unmeasured,
    ]
    by_absolute = _report("--sort", "absolute")
    assert [r["absolute_change"] for r in by_absolute[:4]] == [
        5,
        -1,
        Decimal("0.3"),
        Decimal("0.2"),
    ]
    assert _keys(by_absolute[4:]) == unmeasured
    assert _keys(_report("--sort", "time")) == MOVES


@pytest.mark.usefixtures("moves")
def test_min_pct_leaves_out_small_moves_and_keeps_rows_without_a_percent():
    assert _keys(_report("--min-pct", "10")) == [
        m for m in MOVES if m[3] is None or abs(m[3]) >= 10
    ]
    assert ("A", "720p", "changed", Decimal("5")) not in _keys(_report("--min-pct", "10"))
    assert _keys(_report("--min-pct", "10.01", "--change", "changed")) == [
        ("A", "720p", "changed", Decimal("-20")),
        ("A", "1080p", "changed", Decimal("50")),
    ]
    assert _keys(_report("--min-pct", "0")) == MOVES


@pytest.mark.usefixtures("moves")
@pytest.mark.parametrize(
    "args",
    [
        ("--change", "moved"),
        ("--change", ""),
        ("--min-pct", "-1"),
        ("--min-pct", "lots"),
        ("--min-pct", "nan"),
        ("--sort", "size"),
        ("--since", "30x"),
        ("--summary", "--format", "html"),
        ("--summary", "--output", "net.html"),
    ],
)
def test_bad_report_options_are_usage_errors(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code: object
    try:
        code = run("report", "prices", *args)[0]
    except SystemExit as exc:  # argparse refuses the value itself
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err
    assert "Traceback" not in err
    assert not (tmp_path / "net.html").exists()


@pytest.mark.usefixtures("moves")
def test_summary_nets_each_price_point_over_the_period():
    code, out = run("report", "prices", "--summary", "--format", "json")
    assert code == 0
    net = {
        (r["model_id"], r["variant"]): (
            r["old_amount"],
            r["new_amount"],
            r["percent_change"],
            r["moves"],
        )
        for r in json.loads(out, parse_float=Decimal)
    }
    assert net == {
        ("A", "720p"): (5, Decimal("4.2"), -16, 2),
        ("B", "480p"): (3, 3, 0, 3),
        ("C", "720p"): (None, 7, None, 1),
        ("A", "1080p"): (10, 15, 50, 1),
    }
    # --min-pct applies to the net move: B went back to where it was.
    rows = json.loads(run("report", "prices", "--summary", "--format", "json", "--min-pct", "1")[1])
    assert [(r["model_id"], r["variant"]) for r in rows] == [
        ("C", "720p"),
        ("A", "1080p"),
        ("A", "720p"),
    ]
    rows = json.loads(
        run("report", "prices", "--summary", "--format", "json", "--sort", "percent")[1]
    )
    assert [(r["model_id"], r["percent_change"]) for r in rows] == [
        ("A", 50),
        ("A", -16),
        ("B", 0),
        ("C", None),
    ]
    # A period nets only its own changes.
    since = (T0 + timedelta(days=15)).isoformat()
    code, out = run("report", "prices", "--summary", "--format", "json", "--since", since)
    rows = json.loads(out, parse_float=Decimal)
    assert {(r["model_id"], r["old_amount"], r["new_amount"], r["moves"]) for r in rows} == {
        ("A", 10, 15, 1),
        ("B", Decimal("3.3"), 3, 2),
        ("A", 4, Decimal("4.2"), 1),
    }


@pytest.mark.usefixtures("moves")
def test_summary_in_every_format():
    rows = json.loads(run("report", "prices", "--summary", "--format", "json")[1])
    code, out = run("report", "prices", "--summary", "--format", "csv")
    assert code == 0
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [(r["model_id"], r["old_amount"], r["new_amount"]) for r in parsed] == [
        (
            r["model_id"],
            "" if r["old_amount"] is None else str(r["old_amount"]),
            str(r["new_amount"]),
        )
        for r in rows
    ]
    code, out = run("report", "prices", "--summary", "--format", "jsonl")
    assert [json.loads(line) for line in out.splitlines()] == rows
    code, out = run("report", "prices", "--summary", "--format", "markdown")
    assert out.startswith("# Net price changes")
    assert (
        "| akool | A | unit 720p | credits | 5 | 4.2 | -0.8 | -16.00% | 2 | 2026-01-31 00:00 |"
        in out
    )
    code, out = run("report", "prices", "--summary")
    assert code == 0
    assert "4 price points changed in 3 models" in out
    assert "first versions left out (3 rows)" in out


@pytest.mark.usefixtures("moves")
def test_the_library_takes_the_same_options(database_url):
    db = api.open_database(database_url)
    try:
        report = api.price_report(db, changes=["changed"], sort="percent", min_pct=Decimal(10))
        assert [r.percent_change for r in report.rows] == [50, -20, 10]
        assert report.first_version_rows == 0  # the first version has only "added" rows
        summary = api.price_summary(db, include_first_version=True)
        assert {(n.model_id, n.old_amount, n.moves) for n in summary.rows} >= {("A", None, 3)}
    finally:
        db.close()


def test_relative_times_are_now_minus_the_duration():
    now = datetime.now(UTC)
    for text, ago in (
        ("30d", timedelta(days=30)),
        ("12w", timedelta(weeks=12)),
        ("36h", timedelta(hours=36)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
    ):
        value = parse_timestamp(text)
        assert abs(value - (now - ago)) < timedelta(seconds=5), text
    assert parse_timestamp("2026-01-31") == datetime(2026, 1, 31, tzinfo=UTC)
    for bad in ("0d", "30x", "-3d", "1000000w", "30 days"):
        with pytest.raises(argparse.ArgumentTypeError, match="a time ago"):
            parse_timestamp(bad)


@pytest.mark.usefixtures("moves")
def test_relative_times_work_wherever_a_time_is_taken(tmp_path):
    # The history is in January 2026; "days ago" reaches back to just before it.
    days = (datetime.now(UTC) - T0).days
    everything = _report("--since", f"{days + 1}d", "--until", "1h")
    assert _keys(everything) == MOVES
    assert _report("--since", f"{days - 25}d") == _report(
        "--since", (T0 + timedelta(days=26)).isoformat()
    )
    assert _report("--since", "1h") == []
    code, out = run("models", "akool", "--as-of", f"{days - 15}d", "--format", "json")
    assert code == 0
    assert {m["model_id"] for m in json.loads(out)} == {"A", "B", "C"}  # as of day 15
    payload = tmp_path / "v5.json"
    payload.write_text(
        json.dumps(akool_payload(*(akool_model(m, prices={"720p": 1}) for m in "ABC")))
    )
    code, out = run("import", "akool", str(payload), "--observed-at", "2h", "--format", "json")
    assert code == 0, out
    newest = json.loads(run("versions", "akool", "--format", "json")[1])[-1]
    fetched = datetime.fromisoformat(newest["fetched_at"])
    assert abs(fetched - (datetime.now(UTC) - timedelta(hours=2))) < timedelta(minutes=1)
