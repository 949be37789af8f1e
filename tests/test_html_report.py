"""The HTML price report over a 300-model history: its structure, its charts, and, in
headless Chromium, that the charts render and the table sorts and filters. SQLite and
PostgreSQL (the history is stored on each)."""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.price_history import HOSTILE_ID, build_history
from tests.test_cli import run

NEEDS_CHROMIUM = pytest.mark.skipif(
    shutil.which("chromium") is None and os.environ.get("CI") != "true",
    reason="headless Chromium is not installed (.ci/run installs it; in CI this never skips)",
)

# Appended to a copy of the page: click the % heading twice (descending), read the
# column, then type in the filter box and count what stays shown.
PROBE = """
<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    var table = document.querySelector("table.changes");
    var heading = table.tHead.rows[0].cells[8];
    heading.click(); heading.click();
    var values = Array.prototype.map.call(table.tBodies[0].rows, function (row) {
      return row.cells[8].getAttribute("data-v");
    });
    var filter = document.getElementById("filter");
    filter.value = "llm-001 OUTPUT";
    filter.dispatchEvent(new Event("input"));
    var shown = Array.prototype.map.call(
      document.querySelectorAll("tr[data-search]:not([hidden])"),
      function (item) { return item.getAttribute("data-search"); });
    var cards = Array.prototype.map.call(
      document.querySelectorAll(".card:not([hidden]) h3"),
      function (item) { return item.textContent; });
    var hostile = document.querySelector("h3[title^='<script']");
    document.body.setAttribute("data-probe", JSON.stringify({
      sort: heading.getAttribute("aria-sort"), values: values, shown: shown, cards: cards,
      hostile: hostile ? hostile.textContent : null,
      scripts: document.querySelectorAll("script").length}));
  }, 0);
});
</script>
"""


@pytest.fixture
def history(engine, database_url, monkeypatch):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    build_history(engine)


def _page(tmp_path: Path, *args: str) -> str:
    target = tmp_path / "prices.html"
    code, _ = run("report", "prices", "--output", str(target), *args)
    assert code == 0
    return target.read_text(encoding="utf-8")


def _browse(page: Path, profile: Path) -> str:
    return subprocess.run(
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
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


@pytest.mark.usefixtures("history")
def test_the_page_has_a_section_per_provider_an_index_and_a_chart_per_model(tmp_path):
    page = _page(tmp_path)
    models = json.loads(run("report", "prices", "--format", "json")[1])
    changed = {(r["provider"], r["model_id"]) for r in models}
    assert len(changed) > 150  # a history of 300 models
    assert page.count('<svg class="chart"') == len(changed)
    assert f'data-charts="{len(changed)}"' in page
    # An index of providers linking to one section each.
    for index, provider in enumerate(("akool", "audioshake", "auriko")):
        assert f'<a href="#p{index}">{provider}</a>' in page
        assert f'<section id="p{index}"><h2>{provider}</h2>' in page
    # Every model in a table links to its chart, in a grid of cards.
    links = set(re.findall(r'<a href="#(m\d+)">', page))
    cards = set(re.findall(r'<div class="card" id="(m\d+)"', page))
    assert links == cards
    assert len(cards) == len(changed)
    assert page.count('<div class="grid">') == 3
    assert "first versions left out" in page
    # Still one file: nothing to fetch.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert "url(" not in page


@pytest.mark.usefixtures("history")
def test_provider_text_is_escaped(tmp_path):
    page = _page(tmp_path)
    assert HOSTILE_ID not in page
    assert html.escape(HOSTILE_ID) in page
    assert page.count("<script") == 1  # the page's own


def _numbers(texts: list[str]) -> list[Decimal]:
    return [Decimal(t) for t in texts]


@pytest.mark.usefixtures("history")
def test_charts_have_round_ticks_end_at_the_report_time_and_shade_only_a_period(tmp_path):
    page = _page(tmp_path)
    assert 'class="period"' not in page  # no --since / --until: nothing to shade
    for svg in re.findall(r'<svg class="chart".*?</svg>', page, re.DOTALL)[:40]:
        ticks = _numbers(re.findall(r'text-anchor="end">(-?[\d.]+)</text>', svg))
        assert len(ticks) >= 3
        steps = {b - a for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1  # evenly spaced
        (step,) = steps
        mantissa = step.scaleb(-step.adjusted()).normalize()
        assert mantissa in {1, 2, 5}, ticks  # 1, 2 or 5 times a power of ten
        assert all(t % step == 0 for t in ticks)
        width = float(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
        xs = [float(x) for x in re.findall(r"([\d.]+),[\d.]+", svg)]
        assert max(xs) <= width  # nothing drawn past the report's time
    since = _page(tmp_path, "--since", "90d")
    assert since.count('class="period"') == since.count('<svg class="chart"') > 0


@NEEDS_CHROMIUM
@pytest.mark.usefixtures("history")
def test_in_chromium_the_charts_render_and_the_table_sorts_and_filters(tmp_path):
    page = _page(tmp_path, "--provider", "auriko")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _browse(probe, tmp_path / "profile")
    charts = int(re.search(r'data-charts="(\d+)"', dom).group(1))  # type: ignore[union-attr]
    drawn = re.search(r'data-charts-drawn="(\d+)"', dom)
    assert drawn is not None
    assert int(drawn.group(1)) == charts > 0
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found is not None, "the page's script did not run"
    result = json.loads(html.unescape(found.group(1)))
    assert result["sort"] == "descending"
    values = [Decimal(v) for v in result["values"] if v]
    assert values == sorted(values, reverse=True)
    assert len(values) > 10
    assert result["values"][len(values) :] == [""] * (len(result["values"]) - len(values))
    assert result["shown"]  # the rows of llm-001's output prices, and its chart
    assert all("llm-001" in s and "output" in s for s in result["shown"])
    assert result["cards"] == ["llm-001"]
    assert result["scripts"] == 2  # the page's and the probe's


@NEEDS_CHROMIUM
@pytest.mark.usefixtures("history")
def test_in_chromium_a_model_named_like_markup_shows_as_text(tmp_path):
    page = _page(tmp_path, "--provider", "akool", "--include-first-version")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _browse(probe, tmp_path / "profile")
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found is not None
    result = json.loads(html.unescape(found.group(1)))
    assert result["hostile"] == HOSTILE_ID
    assert result["scripts"] == 2
