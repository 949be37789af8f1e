"""Diffs, the price_changes view, the price report and point-in-time listings. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from tests.factories import akool_model, akool_payload
from tests.helpers import rows, store
from tests.test_cli import run

# Three versions of an Akool catalog with known changes, observed on known days.
V1 = akool_payload(
    akool_model("A", prices={"720p": 5, "1080p": 10}),
    akool_model("B", prices={"480p": 3}),
    akool_model("C", prices={"720p": 7}),
)
V2 = akool_payload(  # A: 1080p 10 -> 12 and 4k added; B removed; D added
    akool_model("A", prices={"720p": 5, "1080p": 12, "4k": 20}),
    akool_model("C", prices={"720p": 7}),
    akool_model("D", prices={"720p": 9}),
)
V3 = akool_payload(  # A: 720p 5 -> 4; C loses its price; B comes back at 3.5
    akool_model("A", prices={"720p": 4, "1080p": 12, "4k": 20}),
    akool_model("B", prices={"480p": Decimal("3.5")}),
    akool_model("C", prices={}),
    akool_model("D", prices={"720p": 9}),
)
DAY1, DAY2, DAY3 = 0, 40, 100  # 2026-01-01, 2026-02-10, 2026-04-11

EXPECTED_CHANGES = [
    # (changed_at date, model, variant, old, new, change, version)
    ("2026-01-01", "A", "1080p", None, "10", "added", 1),
    ("2026-01-01", "A", "720p", None, "5", "added", 1),
    ("2026-01-01", "B", "480p", None, "3", "added", 1),
    ("2026-01-01", "C", "720p", None, "7", "added", 1),
    ("2026-02-10", "A", "1080p", "10", "12", "changed", 2),
    ("2026-02-10", "A", "4k", None, "20", "added", 2),
    ("2026-02-10", "B", "480p", "3", None, "removed", 2),
    ("2026-02-10", "D", "720p", None, "9", "added", 2),
    ("2026-04-11", "A", "720p", "5", "4", "changed", 3),
    ("2026-04-11", "B", "480p", None, "3.5", "added", 3),
    ("2026-04-11", "C", "720p", "7", None, "removed", 3),
]


@pytest.fixture
def history(engine, database_url, monkeypatch):
    """The three versions imported at their observed times; the CLI pointed at the database."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    snapshots = []
    for payload, day in ((V1, DAY1), (V2, DAY2), (V3, DAY3)):
        assert store(engine, "akool", payload, day=day).status == "succeeded"
        snapshots.append(json.loads(run("models", "akool", "--format", "json")[1]))
    return snapshots


def _normalise(row: dict) -> tuple:
    def amount(value):
        return None if value is None else str(Decimal(str(value)).normalize())

    return (
        row["changed_at"][:10],
        row["model_id"],
        row["variant"],
        amount(row["old_amount"]),
        amount(row["new_amount"]),
        row["change"],
        row["catalog_version"],
    )


def _expected(rows_: list[tuple]) -> list[tuple]:
    return [
        (d, m, v, o and str(Decimal(o).normalize()), n and str(Decimal(n).normalize()), c, ver)
        for d, m, v, o, n, c, ver in rows_
    ]


def test_diff_json_lists_exactly_what_changed(history):
    code, out = run("diff", "akool", "--from", "1", "--to", "2", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert (document["provider"], document["from_version"], document["to_version"]) == (
        "akool",
        1,
        2,
    )
    assert document["added"] == ["D"]
    assert document["removed"] == ["B"]
    assert [m["model_id"] for m in document["changed"]] == ["A"]
    changes = {c["field"]: (c["old"], c["new"]) for c in document["changed"][0]["changes"]}
    assert changes["price.unit.1080p"] == (10, 12)
    assert changes["price.unit.4k"] == (None, 20)
    assert set(changes) == {"price.unit.1080p", "price.unit.4k", "attribute.resolutions"}
    # Default: the last two versions.
    code, out = run("diff", "akool", "--format", "json")
    document = json.loads(out)
    assert (document["from_version"], document["to_version"]) == (2, 3)
    assert document["added"] == ["B"]
    assert document["removed"] == []
    changed = {
        m["model_id"]: {c["field"]: (c["old"], c["new"]) for c in m["changes"]}
        for m in document["changed"]
    }
    assert changed["A"] == {"price.unit.720p": (5, 4)}
    assert changed["C"]["price.unit.720p"] == (7, None)
    code, out = run("diff", "akool")
    assert code == 0
    assert "+ B" in out
    assert "price.unit.720p: 5 -> 4" in out


def test_diff_errors(history, capsys):
    assert run("diff", "akool", "--to", "9")[0] == 2
    assert "has no version 9" in capsys.readouterr().err
    assert run("diff", "auriko")[0] == 2
    assert "no catalog versions yet" in capsys.readouterr().err
    code, out = run("diff", "akool", "--to", "1", "--format", "json")
    assert code == 0
    assert json.loads(out)["from_version"] is None
    assert json.loads(out)["added"] == ["A", "B", "C"]


def test_price_changes_view(history, engine):
    found = rows(
        engine,
        "SELECT changed_at, model_id, variant, old_amount, new_amount, change, catalog_version FROM price_changes "
        "ORDER BY changed_at, model_id, variant",
    )
    got = [
        (
            str(at)[:10],
            m,
            v,
            o and str(Decimal(str(o)).normalize()),
            n and str(Decimal(str(n)).normalize()),
            c,
            ver,
        )
        for at, m, v, o, n, c, ver in found
    ]
    assert got == _expected(EXPECTED_CHANGES)
    columns = rows(engine, "SELECT provider, price_type, unit FROM price_changes")
    assert set(columns) == {("akool", "unit", "credits")}


@pytest.mark.parametrize(
    ("args", "expected_dates"),
    [
        ((), ["2026-01-01"] * 4 + ["2026-02-10"] * 4 + ["2026-04-11"] * 3),
        (("--since", "2026-02-01", "--until", "2026-03-01"), ["2026-02-10"] * 4),
        (("--until", "2026-01-01"), ["2026-01-01"] * 4),  # a date alone: that whole day
        (("--since", "2026-04-11T00:00:00Z"), ["2026-04-11"] * 3),
        (("--since", "2026-04-12"), []),
    ],
)
def test_report_prices_json_and_period_filters(history, args, expected_dates):
    code, out = run("report", "prices", "--format", "json", "--include-first-version", *args)
    assert code == 0
    report = json.loads(out)
    assert [r["changed_at"][:10] for r in report] == expected_dates
    by_key = {_normalise(r) for r in report}
    assert by_key <= set(_expected(EXPECTED_CHANGES))
    if report:
        assert set(report[0]) >= {
            "provider",
            "model_id",
            "price_type",
            "variant",
            "unit",
            "old_amount",
            "new_amount",
            "change",
            "changed_at",
            "catalog_version",
        }


def test_report_prices_model_and_provider_filters(history):
    _code, out = run(
        "report", "prices", "--format", "json", "--model", "A", "--include-first-version"
    )
    report = json.loads(out)
    assert {r["model_id"] for r in report} == {"A"}
    assert len(report) == 5
    changed = [r for r in report if r["change"] == "changed"]
    assert [(r["variant"], r["absolute_change"], r["percent_change"]) for r in changed] == [
        ("1080p", 2, 20),
        ("720p", -1, -20),
    ]
    assert json.loads(
        run("report", "prices", "--format", "json", "--provider", "akool")[1]
    ) == json.loads(run("report", "prices", "--format", "json")[1])
    assert (
        json.loads(run("report", "prices", "--format", "json", "--provider", "audioshake")[1]) == []
    )


def test_report_prices_csv_parses(history):
    code, out = run(
        "report", "prices", "--format", "csv", "--model", "A", "--include-first-version"
    )
    assert code == 0
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert len(parsed) == 5
    assert parsed[0].keys() >= {
        "provider",
        "model_id",
        "old_amount",
        "new_amount",
        "change",
        "changed_at",
        "absolute_change",
        "percent_change",
    }
    rise = next(r for r in parsed if r["change"] == "changed" and r["variant"] == "1080p")
    assert (
        rise["old_amount"],
        rise["new_amount"],
        rise["absolute_change"],
        rise["percent_change"],
    ) == ("10", "12", "2", "20")


def test_report_prices_markdown_and_table(history, tmp_path):
    code, out = run("report", "prices", "--format", "markdown")
    assert code == 0
    assert out.startswith("# Price changes")
    assert "| 2026-02-10 00:00 | akool | A | unit 1080p | credits | 10 | 12 | +2 | +20.00% |" in out
    code, out = run("report", "prices", "--model", "A")
    assert code == 0
    assert "unit 1080p" in out
    assert "+20.00%" in out
    target = tmp_path / "report.txt"
    assert run("report", "prices", "--output", str(target))[0] == 0
    assert "unit 1080p" in target.read_text()


def test_report_prices_html_is_one_self_contained_page(history, tmp_path):
    target = tmp_path / "prices.html"
    code, _ = run("report", "prices", "--format", "html", "--output", str(target))
    assert code == 0
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<svg class="chart"') == 4  # A, B, C, D all had a price change
    assert 'data-charts="4"' in page
    # Nothing to fetch: no external scripts, styles, fonts or images.
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert "@import" not in page
    assert "url(" not in page


@pytest.mark.skipif(
    shutil.which("chromium") is None and os.environ.get("CI") != "true",
    reason="headless Chromium is not installed (.ci/run installs it; in CI this never skips)",
)
def test_report_prices_html_charts_render_in_chromium(history, tmp_path):
    target = tmp_path / "prices.html"
    assert run("report", "prices", "--format", "html", "--output", str(target))[0] == 0
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    drawn = re.search(r'data-charts-drawn="(\d+)"', dom)
    assert drawn is not None
    assert int(drawn.group(1)) == 4


def test_models_as_of_reproduces_older_catalogs(history):
    first, second, third = history
    assert (
        json.loads(run("models", "akool", "--as-of", "2026-01-01T00:00:00Z", "--format", "json")[1])
        == first
    )
    assert (
        json.loads(run("models", "akool", "--as-of", "2026-03-15", "--format", "json")[1]) == second
    )
    assert (
        json.loads(run("models", "akool", "--as-of", "2030-01-01", "--format", "json")[1]) == third
    )
    assert json.loads(run("models", "akool", "--format", "json")[1]) == third
    # Before the first version: exit 1 and a message (test_first_hour.py), not an empty list.
    assert run("models", "akool", "--as-of", "2025-12-31", "--format", "json") == (1, "")
    code, out = run("models", "--as-of", "2026-02-10")
    assert code == 0
    assert "models as of 2026-02-10" in out
    assert "D" in out


def test_partial_diff_equals_the_full_comparison(history, engine):
    from catalogsync.diff import diff_catalogs
    from catalogsync.reads.catalogs import changed_model_ids, load_catalog
    from catalogsync.reads.versions import list_versions

    with engine.connect() as conn:
        versions = list_versions(conn, "akool")
        for old in versions:
            for new in versions:
                if old.version >= new.version:
                    continue
                full = diff_catalogs(
                    load_catalog(conn, "akool", old), load_catalog(conn, "akool", new)
                )
                only = changed_model_ids(conn, old, new)
                partial = diff_catalogs(
                    load_catalog(conn, "akool", old, only=only),
                    load_catalog(conn, "akool", new, only=only),
                )
                assert partial == full
                assert not full.is_empty


def test_report_table_shows_bracketed_ids_verbatim(engine, database_url, monkeypatch):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    store(engine, "akool", akool_payload(akool_model("kling[bold]", prices={"720p": 5})))
    store(engine, "akool", akool_payload(akool_model("kling[bold]", prices={"720p": 6})), day=1)
    code, out = run("report", "prices", "--model", "kling[bold]", "--include-first-version")
    assert code == 0
    rows_ = [line for line in out.splitlines() if "unit 720p" in line]
    assert len(rows_) == 2
    assert all("kling[bold]" in line for line in rows_)


@pytest.mark.parametrize(
    ("name", "format_name"),
    [
        ("prices.json", "json"),
        ("prices.csv", "csv"),
        ("prices.md", "markdown"),
        ("prices.MD", "markdown"),
        ("prices.txt", "table"),
        ("prices", "table"),
    ],
)
def test_report_prices_output_takes_its_format_from_the_extension(
    history, tmp_path, name, format_name
):
    target = tmp_path / name
    assert run("report", "prices", "--output", str(target))[0] == 0
    code, expected = run("report", "prices", "--format", format_name)
    assert code == 0
    assert target.read_text() == expected


def test_report_prices_output_html_without_format_is_the_page(history, tmp_path):
    target = tmp_path / "prices.html"
    assert run("report", "prices", "--output", str(target))[0] == 0
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<svg class="chart"') == 4


def test_report_prices_format_wins_over_the_extension(history, tmp_path):
    target = tmp_path / "prices.html"
    assert run("report", "prices", "--format", "csv", "--output", str(target))[0] == 0
    code, expected = run("report", "prices", "--format", "csv")
    assert code == 0
    assert target.read_text() == expected
