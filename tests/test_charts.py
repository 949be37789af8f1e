"""The step charts (catalogsync.present.charts): round ticks, the axis ending at "now",
equal lines told apart, gaps, the period, and provider text kept as text."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from catalogsync.present.charts import Series, nice_ticks, step_chart, time_ticks

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        ("6.1", "11.8", ["6", "8", "10", "12"]),
        ("0", "0.0000003", ["0", "1E-7", "2E-7", "3E-7"]),
        ("0.1", "0.3", ["0.1", "0.15", "0.2", "0.25", "0.3"]),
        ("0", "1000", ["0", "500", "1000"]),
        ("2", "2", ["1", "1.5", "2", "2.5", "3"]),
        ("-3", "7", ["-5", "0", "5", "10"]),
    ],
)
def test_ticks_are_round_and_cover_the_range(low: str, high: str, expected: list[str]) -> None:
    ticks = nice_ticks(Decimal(low), Decimal(high))
    assert ticks == [Decimal(e) for e in expected]
    assert ticks[0] <= Decimal(low)
    assert ticks[-1] >= Decimal(high)


def test_every_tick_is_one_two_or_five_times_a_power_of_ten_apart() -> None:
    for low, high in [("0.37", "9.13"), ("123", "4567"), ("0.000012", "0.000019"), ("5", "5.5")]:
        ticks = nice_ticks(Decimal(low), Decimal(high))
        steps = {b - a for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1
        (step,) = steps
        mantissa = step.scaleb(-step.adjusted()).normalize()
        assert mantissa in {Decimal(1), Decimal(2), Decimal(5)}, (low, high, step)


@pytest.mark.parametrize(
    ("span", "label"),
    [
        (timedelta(hours=4), r"\d\d-\d\d \d\d:00"),
        (timedelta(days=4), r"\d{4}-\d\d-\d\d"),
        (timedelta(days=300), r"\d{4}-\d\d"),
        (timedelta(days=3000), r"\d{4}"),
    ],
)
def test_time_ticks_fall_on_whole_units_inside_the_range(span: timedelta, label: str) -> None:
    ticks = time_ticks(NOW - span, NOW)
    assert 2 <= len(ticks) <= 6
    for at, text in ticks:
        assert NOW - span <= at <= NOW
        assert (at.minute, at.second) == (0, 0)
        assert re.fullmatch(label, text)
    if span >= timedelta(days=300):
        assert all(at.day == 1 and at.hour == 0 for at, _ in ticks)


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # well-formed XML, or this raises


def _plot_xs(root: ET.Element) -> list[float]:
    xs = []
    for line in root.iter(f"{SVG}polyline"):
        xs += [float(p.split(",")[0]) for p in line.attrib["points"].split()]
    return xs


def test_the_time_axis_ends_at_end_and_later_steps_are_left_out() -> None:
    series = [
        Series("per token", [(T0, Decimal("2")), (NOW + timedelta(days=3), Decimal("9"))]),
    ]
    root = _svg(step_chart(series, start=T0, end=NOW, width=600))
    xs = _plot_xs(root)
    assert max(xs) <= 600 - 14 + 0.01  # the right edge of the plot is "now"
    amounts = re.findall(r": (\d+) from", step_chart(series, start=T0, end=NOW))
    assert amounts == ["2"]  # the step after "now" is not drawn


def test_equal_lines_are_told_apart() -> None:
    same = [(T0, Decimal("5")), (T0 + timedelta(days=30), Decimal("6"))]
    root = _svg(step_chart([Series("a", same), Series("b", same)], start=T0, end=NOW))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    a, b = (line.attrib for line in lines)
    assert a["points"] == b["points"]  # they do overlap...
    assert a["stroke"] != b["stroke"]  # ...but differ in colour,
    assert float(a["stroke-width"]) > float(b["stroke-width"])  # the lower one shows around,
    assert a.get("stroke-dasharray") != b.get("stroke-dasharray")  # and the upper one is dashed
    shapes = {m.tag for m in root.iter() if m.attrib.get("class") == "marker"}
    assert len(shapes) == 2  # different marker shapes


def test_a_gap_where_the_price_was_absent_splits_the_line() -> None:
    steps = [
        (T0, Decimal("1")),
        (T0 + timedelta(days=10), None),
        (T0 + timedelta(days=20), Decimal("1")),
    ]
    root = _svg(step_chart([Series("x", steps)], start=T0, end=NOW))
    assert len(list(root.iter(f"{SVG}polyline"))) == 2


def test_the_period_is_shaded_where_asked() -> None:
    series = [Series("x", [(T0, Decimal("1"))])]
    plain = _svg(step_chart(series, start=T0, end=NOW))
    shaded = _svg(step_chart(series, start=T0, end=NOW, period=(NOW - timedelta(days=30), None)))
    assert not [r for r in plain.iter(f"{SVG}rect") if r.attrib.get("class") == "period"]
    (period,) = [r for r in shaded.iter(f"{SVG}rect") if r.attrib.get("class") == "period"]
    assert float(period.attrib["width"]) > 0


def test_provider_text_is_text_and_the_svg_needs_no_inline_style_or_script() -> None:
    hostile = "<script>alert(1)</script> \"quoted\" & 'single'"
    markup = step_chart(
        [Series(hostile, [(T0, Decimal("1"))])], start=T0, end=NOW, unit=hostile, title=hostile
    )
    root = _svg(markup)
    assert "<script" not in markup
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert "style=" not in markup  # passes a CSP without 'unsafe-inline' styles
    texts = "".join(root.itertext())
    assert hostile in texts
    assert root.attrib["aria-label"] == hostile


def test_an_empty_chart_still_draws_its_axes() -> None:
    root = _svg(step_chart([], start=NOW, end=NOW))
    assert root.attrib["class"] == "chart"
    assert list(root.iter(f"{SVG}line"))


def test_time_labels_stay_inside_the_picture() -> None:
    start = NOW - timedelta(hours=5)
    root = _svg(step_chart([Series("x", [(start, Decimal("1"))])], start=start, end=NOW, width=320))
    for label in root.iter(f"{SVG}text"):
        if re.fullmatch(r"\d\d-\d\d \d\d:00", label.text or ""):
            x, width = float(label.attrib["x"]), 6.6 * len(label.text or "")
            anchor = label.attrib["text-anchor"]
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            assert left >= 0, (label.text, anchor, x)
            assert left + width <= 320, (label.text, anchor, x)
