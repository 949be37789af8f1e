"""The pure pricing rules (``catalogsync.costing.rules``) and the usage reader, with plain values."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalogsync.codec import canonical_decimal
from catalogsync.costing.rules import (
    BASE,
    Ambiguous,
    Condition,
    TierError,
    choose,
    cost,
    currency_label,
    in_window,
    parse_tier,
    prompt_size,
    rank,
    unit_scale,
)
from catalogsync.costing.usage import UsageFileError, detect_kind, read_usage


def hm(hours: int, minutes: int = 0, seconds: int = 0) -> int:
    return hours * 3600 + minutes * 60 + seconds


@pytest.mark.parametrize(
    ("tier", "condition"),
    [
        ("", BASE),
        ("input_tokens>200000", Condition((("input_tokens", 200000),))),
        ("utc 10:00-01:00", Condition(window=(hm(10), hm(1)))),
        ("utc 00:00-24:00 on sat,sun", Condition(window=(0, hm(24)), days=frozenset({5, 6}))),
        (
            "input_tokens>200000 and utc 10:00-01:00 on mon,fri",
            Condition((("input_tokens", 200000),), (hm(10), hm(1)), frozenset({0, 4})),
        ),
        ("audio_tokens>5", Condition((("audio_tokens", 5),))),
    ],
)
def test_tiers_read(tier, condition):
    assert parse_tier(tier) == condition


@pytest.mark.parametrize(
    "tier", ["input_tokens >5", "utc 25:00-01:00", "utc 10:00-01:00 on funday", "peak hours"]
)
def test_tiers_outside_the_grammar_are_refused(tier):
    with pytest.raises(TierError):
        parse_tier(tier)


@pytest.mark.parametrize(
    ("clock", "start", "end", "inside"),
    [
        (hm(10), hm(10), hm(12), True),  # the start is in
        (hm(12), hm(10), hm(12), False),  # the end is out
        (hm(11, 59, 59), hm(10), hm(12), True),
        (hm(9, 59, 59), hm(10), hm(12), False),
        (hm(23), hm(22), hm(6), True),  # wrapping midnight
        (hm(0, 30), hm(22), hm(6), True),
        (hm(6), hm(22), hm(6), False),
        (hm(21, 59, 59), hm(22), hm(6), False),
        (hm(12), hm(22), hm(6), False),
        (0, 0, hm(24), True),
        (hm(23, 59, 59), 0, hm(24), True),
    ],
)
def test_windows(clock, start, end, inside):
    assert in_window(clock, start, end) is inside


def test_thresholds_compare_strictly_with_the_prompt_or_the_named_quantity():
    long = parse_tier("input_tokens>200000")
    assert not long.holds(Decimal(200000), {}, 0, 0)
    assert long.holds(Decimal(200001), {}, 0, 0)
    audio = parse_tier("audio_tokens>10")
    assert not audio.holds(Decimal(10**9), {"audio_tokens": Decimal(10)}, 0, 0)
    assert audio.holds(Decimal(0), {"audio_tokens": Decimal(11)}, 0, 0)


def test_days_restrict_a_window_to_the_rows_weekday():
    weekend = parse_tier("utc 22:00-06:00 on sat")
    assert weekend.holds(Decimal(0), {}, hm(23), 5)
    assert weekend.holds(Decimal(0), {}, hm(1), 5)
    assert not weekend.holds(Decimal(0), {}, hm(1), 6)  # Sunday 01:00: not a Saturday


def test_prompt_size_counts_input_and_cache_tokens_only():
    quantities = {
        "input_tokens": Decimal(100),
        "cache_read_tokens": Decimal(20),
        "cache_write_tokens": Decimal(3),
        "cache_write_1h_tokens": Decimal(4),
        "output_tokens": Decimal(1000),
        "reasoning_tokens": Decimal(1000),
    }
    assert prompt_size(quantities) == 127


def test_the_most_specific_price_that_applies_wins():
    base, long, night, both = "base", "long", "night", "both"
    candidates = [
        (BASE, base),
        (parse_tier("input_tokens>128000"), "mid"),
        (parse_tier("input_tokens>200000"), long),
        (parse_tier("utc 22:00-06:00"), night),
        (parse_tier("input_tokens>200000 and utc 22:00-06:00"), both),
    ]
    assert choose(rank(candidates), Decimal(1000), {}, hm(12), 0) == base
    assert choose(rank(candidates), Decimal(150000), {}, hm(12), 0) == "mid"
    assert choose(rank(candidates), Decimal(250000), {}, hm(12), 0) == long
    assert choose(rank(candidates), Decimal(1000), {}, hm(23), 0) == night
    assert choose(rank(candidates), Decimal(250000), {}, hm(23), 0) == both
    assert choose(rank(candidates[1:]), Decimal(1000), {}, hm(12), 0) is None
    tie = [(parse_tier("utc 10:00-12:00"), "a"), (parse_tier("utc 11:00-13:00"), "b")]
    assert isinstance(choose(rank(tie), Decimal(0), {}, hm(11, 30), 0), Ambiguous)


@pytest.mark.parametrize(
    ("unit", "scale"),
    [
        ("USD/1M tokens", 6),
        ("EUR/1M tokens", 6),
        ("USD/1K tokens", 3),
        ("USD/request", 0),
        ("USD/second", 0),
        ("credits/minute", 0),
        ("credits", 0),
        ("USD/unit", 0),
    ],
)
def test_unit_scales(unit, scale):
    assert unit_scale(unit) == scale


def test_costs_are_exact_far_past_28_digits():
    amount = Decimal("0.00000100000000000000015")
    quantity = Decimal("123456789012345678901234567890")
    # 123456789012345678901234567890 * 0.00000100000000000000015 / 10**6, by fractions:
    # 246913578024691394839505839483703670370370367 / 2 * 10**27
    expected = Decimal("123456789012345697.4197529197418518351851851835")
    assert cost(quantity, amount, 6) == expected
    assert canonical_decimal(cost(quantity, amount, 6)) == str(expected)
    assert cost(Decimal(1000), Decimal(3), 6) == Decimal("0.003")
    assert cost(Decimal("2.5"), Decimal(3), 0) == Decimal("7.5")


def test_credits_are_counted_per_provider():
    assert currency_label("USD", "openrouter") == "USD"
    assert currency_label(None, "akool") == "akool credits"


CSV = "timestamp,provider,model,variant,input_tokens,request\n"


def test_csv_rows_keep_only_quantities_used():
    text = CSV + "2026-01-01T10:00:00+02:00,p,m,,1000,\n2026-01-01,p,m,4k,0,1.5\n"
    first, second = read_usage(io.StringIO(text), "csv")
    assert first.timestamp == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert first.quantities == {"input_tokens": Decimal(1000)}
    assert (second.line, second.variant, second.quantities) == (
        3,
        "4k",
        {"request": Decimal("1.5")},
    )
    assert second.timestamp == datetime(2026, 1, 1, tzinfo=UTC)  # no offset: UTC


def test_ignored_columns_are_not_quantities():
    text = "timestamp,provider,model,user,input_tokens\n2026-01-01,p,m,alice,5\n"
    with pytest.raises(UsageFileError, match="line 2, column user: 'alice' is not a quantity"):
        list(read_usage(io.StringIO(text), "csv"))
    [row] = read_usage(io.StringIO(text), "csv", ignore={"user"})
    assert row.quantities == {"input_tokens": Decimal(5)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("timestamp,provider,model\n", "line 1: no quantity column"),
        ("timestamp,provider,model,x,x\n", "line 1, column x: the column appears twice"),
        (CSV + "yesterday,p,m,,1,\n", "line 2, column timestamp: 'yesterday' is not an ISO 8601"),
        (CSV + "2026-01-01,p,m,,1e3,\n", "line 2, column input_tokens: '1e3' is not a quantity"),
        (CSV + "2026-01-01,p,m,,NaN,\n", "line 2, column input_tokens: 'NaN' is not a quantity"),
        (CSV + "2026-01-01,p,m,,,-1\n", "line 2, column request: negative quantity '-1'"),
        (CSV + "2026-01-01,p,,,1,\n", "line 2, column model: must not be empty"),
    ],
)
def test_malformed_csv_names_line_and_column(text, message):
    with pytest.raises(UsageFileError, match=message):
        list(read_usage(io.StringIO(text), "csv"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"provider": "p", "model": "m", "request": 1}', "line 2, column timestamp: a required"),
        (
            '{"timestamp": 5, "provider": "p", "model": "m"}',
            "line 2, column timestamp: must be text",
        ),
        (
            '{"timestamp": "2026-01-01", "provider": "p", "model": "m", "request": true}',
            "column request: a quantity must be a number",
        ),
        (
            '{"timestamp": "2026-01-01", "provider": "p", "model": "m", "request": -2}',
            "column request: negative quantity",
        ),
        ("[1, 2]", "line 2: a line must hold a JSON object"),
        (
            '{"timestamp": "2026-01-01", "provider": "p", "model": "m", "unit": 1e99}',
            "out of range",
        ),
        ('{"timestamp": "2026-01-01", "provider": "p", "model": "m", "unit": NaN}', "a number"),
    ],
)
def test_malformed_json_lines_name_line_and_column(line, message):
    good = '{"timestamp": "2026-01-01", "provider": "p", "model": "m", "request": 1}'
    with pytest.raises(UsageFileError, match=message):
        list(read_usage(io.StringIO(good + "\n" + line + "\n"), "jsonl"))


def test_json_numbers_are_read_exactly():
    line = (
        '{"timestamp": "2026-01-01", "provider": "p", "model": "m", "per_minute": 0.1,'
        ' "request": "3", "input_tokens": 1.5e3}'
    )
    [row] = read_usage(io.StringIO(line), "jsonl")
    assert row.quantities == {
        "per_minute": Decimal("0.1"),
        "request": Decimal(3),
        "input_tokens": Decimal(1500),
    }


@pytest.mark.parametrize(
    ("name", "first", "kind"),
    [
        ("usage.csv", "{", "csv"),
        ("usage.jsonl", "timestamp", "jsonl"),
        ("usage.ndjson", "", "jsonl"),
        ("-", '{"timestamp": 1}', "jsonl"),
        ("-", "timestamp,provider", "csv"),
        ("usage.log", "  {", "jsonl"),
    ],
)
def test_the_kind_of_log_is_detected(name, first, kind):
    assert detect_kind(name, first) == kind
