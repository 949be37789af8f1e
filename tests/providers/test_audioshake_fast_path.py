"""AudioShake's two parsing paths agree: what the fast one accepts, the full one accepts
as the same catalog; whatever the fast one refuses, ``parse`` answers as the full one.

Payloads are drawn to sit on the edges where the two could differ: whitespace around
ids and format names, upper-case names, prices as integers, decimals, strings, booleans
or negatives, ``null`` against absent optional fields, unknown fields, duplicate ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.generate import catalog, mutate, write
from catalogsync.catalog import canonical_bytes
from catalogsync.codec import dumps_exact
from catalogsync.errors import PayloadError
from catalogsync.providers.audioshake import AudioShakeProvider
from tests.providers.test_properties import (
    SETTINGS,
    _raw,
    _settings,
    json_values,
    mangled,
)
from tests.test_bad_payloads import CASES

PROVIDER = AudioShakeProvider(_settings("audioshake"))
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "providers" / "audioshake"
UNKNOWN_FIELDS = "unknown_extra_fields.json"

edgy_ids = st.sampled_from(["bass", "Bass", " bass", "bass ", "", " ", "\tvox", "\x1cx", "é"])
edgy_formats = st.sampled_from(["wav", "WAV", " mp3", "mp4 ", "", "json", "x\u2028"])
edgy_amounts: st.SearchStrategy[Any] = (
    st.integers(-3, 10**20)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
    | st.sampled_from([True, "1.5", None, [], 1e-7])
)


def _maybe(draw: st.DrawFn, key: str, value: st.SearchStrategy, into: dict[str, Any]) -> None:
    if draw(st.booleans()):
        into[key] = draw(value)


@st.composite
def edgy_payloads(draw: st.DrawFn) -> dict[str, Any]:
    models = []
    for _ in range(draw(st.integers(0, 4))):
        model: dict[str, Any] = {"id": draw(edgy_ids)}
        for key in ("name", "category", "description", "access"):
            _maybe(draw, key, st.none() | st.text(max_size=6), model)
        _maybe(draw, "creditsPerMinute", edgy_amounts, model)
        _maybe(draw, "outputFormats", st.lists(edgy_formats, max_size=3), model)
        _maybe(draw, "limits", st.none() | st.dictionaries(st.text(max_size=4), json_values), model)
        _maybe(draw, "supportedLanguages", st.none() | st.lists(st.text(max_size=3)), model)
        if draw(st.integers(0, 9)) == 0:
            model["x_new"] = draw(json_values)
        inputs = []
        for _ in range(draw(st.integers(0, 2))):
            item: dict[str, Any] = {"id": draw(edgy_ids)}
            _maybe(draw, "description", st.none() | st.text(max_size=4), item)
            _maybe(draw, "required", st.none() | st.booleans() | st.just(1), item)
            _maybe(draw, "taskFields", st.lists(st.sampled_from(["url", "assetId"])), item)
            _maybe(
                draw,
                "formats",
                st.dictionaries(
                    st.sampled_from(["audio", "Video", "text", "subtitles"]),
                    st.lists(edgy_formats, max_size=3),
                    max_size=2,
                ),
                item,
            )
            if draw(st.integers(0, 9)) == 0:
                item["x_extra"] = 1
            inputs.append(item)
        _maybe(draw, "inputs", st.just(inputs), model)
        models.append(model)
    return {"models": models}


def _agree(raw: bytes) -> None:
    try:
        full = PROVIDER.parse_full(raw)
    except PayloadError:
        full = None
    try:
        fast = PROVIDER.parse_fast(raw)
    except Exception:
        fast = None
    if fast is not None:
        assert full is not None, "the fast path accepted what the full path refuses"
        assert fast == full
        assert fast.content_hash() == full.content_hash()
    if full is None:
        with pytest.raises(PayloadError):
            PROVIDER.parse(raw)
    else:
        assert PROVIDER.parse(raw) == full


@SETTINGS
@given(edgy_payloads())
def test_the_paths_agree_on_edgy_payloads(payload):
    _agree(_raw(payload))


@SETTINGS
@given(mangled(edgy_payloads()))
def test_the_paths_agree_on_mangled_payloads(raw):
    _agree(raw)


@pytest.mark.parametrize(
    "name", [name for name, case in CASES.items() if case.provider == "audioshake"]
)
def test_the_paths_agree_on_every_bad_payload_case(name):
    _agree(CASES[name].body)


@SETTINGS
@given(edgy_payloads())
def test_msgspec_writes_the_canonical_bytes(payload):
    try:
        catalog = PROVIDER.parse_full(_raw(payload))
    except PayloadError:
        return
    for model in catalog.models:
        assert canonical_bytes(model) == dumps_exact(model.canonical(), sort_keys=True).encode()


@pytest.mark.parametrize(
    "fixture", sorted(p.name for p in FIXTURES.glob("*.json") if p.name != UNKNOWN_FIELDS)
)
def test_the_fast_path_takes_the_documented_payloads(fixture):
    raw = (FIXTURES / fixture).read_bytes()
    assert PROVIDER.parse_fast(raw) == PROVIDER.parse_full(raw)


def test_unknown_fields_take_the_full_path_and_are_kept():
    raw = (FIXTURES / UNKNOWN_FIELDS).read_bytes()
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        PROVIDER.parse_fast(raw)
    assert PROVIDER.parse(raw) == PROVIDER.parse_full(raw)
    assert any(m.attributes for m in PROVIDER.parse(raw).models)


def test_the_fast_path_takes_the_benchmark_catalogs(tmp_path):
    path = tmp_path / "catalog.json"
    write(mutate(catalog(300)), path)
    raw = path.read_bytes()
    assert PROVIDER.parse_fast(raw) == PROVIDER.parse_full(raw)


def test_the_input_keys_are_the_schemas():
    from catalogsync.providers.audioshake import _INPUT_KEYS
    from catalogsync.providers.audioshake_schema import Input

    assert set(Input.__annotations__) - {"__pydantic_config__"} == _INPUT_KEYS
