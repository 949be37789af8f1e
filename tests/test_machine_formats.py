"""``--format csv`` and ``--format jsonl`` on every command that prints rows: each CSV row
and each JSON line is an item of the command's JSON list. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest

from catalogsync.present.catalogs import MODEL_COLUMNS, VERSION_COLUMNS
from catalogsync.present.diffs import CHANGE_COLUMNS
from catalogsync.present.runs import RUN_COLUMNS
from catalogsync.present.status import STATUS_COLUMNS
from catalogsync.reads.prices import REPORT_COLUMNS
from catalogsync.reports import SUMMARY_COLUMNS
from tests.factories import akool_model, akool_payload
from tests.helpers import store
from tests.test_cli import run

# A model id a spreadsheet would run as a formula, and one with a comma, quote and newline.
FORMULA = '=HYPERLINK("http://x")'
AWKWARD = 'a,b "c"\nd'

# Values that depend on the clock between two runs of a command.
CLOCK = {"last_success_age_seconds", "data_age_seconds"}

# The header an output with no rows gets: each must stay the keys of the JSON objects.
EMPTY_HEADERS = {
    "versions": VERSION_COLUMNS,
    "models": MODEL_COLUMNS,
    "runs list": RUN_COLUMNS,
    "status": STATUS_COLUMNS,
    "report prices": REPORT_COLUMNS,
    "report prices --summary": SUMMARY_COLUMNS,
}

COMMANDS = {
    "versions": ["versions"],
    "models": ["models", "akool"],
    "runs list": ["runs", "list"],
    "status": ["status"],
    "report prices": ["report", "prices", "--include-first-version"],
    "report prices --summary": ["report", "prices", "--summary"],
}


@pytest.fixture
def history(engine, database_url, monkeypatch):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    first = akool_payload(
        akool_model(FORMULA, prices={"720p": 5}), akool_model(AWKWARD, prices={"+1080p": 10})
    )
    second = akool_payload(
        akool_model(FORMULA, prices={"720p": 4}),
        akool_model(AWKWARD, prices={"+1080p": Decimal("10.5")}),
        akool_model("new", prices={"720p": 1}),
    )
    assert store(engine, "akool", first, day=0).status == "succeeded"
    assert store(engine, "akool", second, day=1).status == "succeeded"


def _json_items(argv: list[str]) -> list[dict[str, Any]]:
    code, out = run(*argv, "--format", "json")
    assert code == 0, out
    items: list[dict[str, Any]] = json.loads(out, parse_float=Decimal)
    return items


def _without_clock(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k not in CLOCK} for item in items]


def _expected_cell(value: Any) -> str:
    """What the CSV holds for a JSON value."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value
    return "" if isinstance(value, list | dict) else str(value)


def _same_cell(cell: str, value: Any) -> bool:
    if isinstance(value, list | dict):
        return bool(json.loads(cell, parse_float=Decimal) == value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(cell) == value
    return cell == _expected_cell(value)


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("command", COMMANDS)
def test_jsonl_lines_are_the_json_lists_items(command):
    argv = COMMANDS[command]
    items = _json_items(argv)
    assert items, "the history gives every command rows"
    code, out = run(*argv, "--format", "jsonl")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(items)
    parsed = [json.loads(line, parse_float=Decimal) for line in lines]
    assert _without_clock(parsed) == _without_clock(items)


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("command", COMMANDS)
def test_csv_rows_are_the_json_lists_items(command):
    argv = COMMANDS[command]
    items = _without_clock(_json_items(argv))
    code, out = run(*argv, "--format", "csv")
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert list(reader.fieldnames or []) == list(_json_items(argv)[0])
    rows = list(reader)
    assert len(rows) == len(items)
    for row, item in zip(rows, items, strict=True):
        for key, value in item.items():
            assert _same_cell(row[key], value), (command, key, row[key], value)


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("command", COMMANDS)
def test_the_header_of_no_rows_is_the_header_of_rows(command):
    code, out = run(*COMMANDS[command], "--format", "csv")
    assert code == 0
    assert next(csv.reader(io.StringIO(out))) == list(EMPTY_HEADERS[command])


def test_an_empty_output_still_has_its_header(engine, database_url, monkeypatch):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    for argv, header in (
        (["versions"], VERSION_COLUMNS),
        (["runs", "list"], RUN_COLUMNS),
        (["report", "prices"], REPORT_COLUMNS),
    ):
        code, out = run(*argv, "--format", "csv")
        assert code == 0
        assert out.splitlines() == [",".join(header)]
        assert run(*argv, "--format", "jsonl") == (0, "")
    store(engine, "akool", akool_payload(akool_model("m", prices={"720p": 1})))
    store(engine, "akool", akool_payload(akool_model("m", prices={"720p": 1}), akool_model("n")))
    code, out = run("diff", "akool", "--format", "csv")
    assert out.splitlines()[0] == ",".join(CHANGE_COLUMNS)


@pytest.mark.usefixtures("history")
def test_csv_neutralises_formulas_and_keeps_awkward_text_in_one_cell():
    code, out = run("models", "akool", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["model_id"] for r in rows} == {"'" + FORMULA, AWKWARD, "new"}
    code, out = run("report", "prices", "--format", "csv", "--include-first-version")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert "'+1080p" in {r["variant"] for r in rows}
    drop = next(r for r in rows if r["change"] == "changed" and r["variant"] == "720p")
    assert (drop["absolute_change"], drop["percent_change"]) == ("-1", "-20")  # numbers stay


@pytest.mark.usefixtures("history")
def test_diff_rows_one_per_change_in_csv_and_jsonl():
    document = json.loads(run("diff", "akool", "--format", "json")[1], parse_float=Decimal)
    code, out = run("diff", "akool", "--format", "jsonl")
    assert code == 0
    lines = [json.loads(line, parse_float=Decimal) for line in out.splitlines()]
    assert {(r["provider"], r["from_version"], r["to_version"]) for r in lines} == {("akool", 1, 2)}
    assert [r["model_id"] for r in lines if r["change"] == "added"] == document["added"]
    assert [r["model_id"] for r in lines if r["change"] == "removed"] == document["removed"]
    changed = [{"model_id": m["model_id"], **c} for m in document["changed"] for c in m["changes"]]
    assert [
        {k: r[k] for k in ("model_id", "field", "old", "new")}
        for r in lines
        if r["change"] == "changed"
    ] == changed
    assert any(r["field"] == "price.unit.720p" and (r["old"], r["new"]) == (5, 4) for r in lines)
    code, out = run("diff", "akool", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines, strict=True):
        for key, value in line.items():
            assert _same_cell(row[key], value), (key, row[key], value)


@pytest.mark.usefixtures("history")
def test_jsonl_output_file_takes_its_format_from_the_extension(tmp_path):
    target = tmp_path / "prices.jsonl"
    assert run("report", "prices", "--output", str(target))[0] == 0
    assert target.read_text() == run("report", "prices", "--format", "jsonl")[1]
    assert len(target.read_text().splitlines()) == 3  # the second version's moves and "new"
