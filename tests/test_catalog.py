"""The canonical model: equal meaning, equal hash; exact decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.codec import (
    canonical_decimal,
    dumps_canonical,
    dumps_exact,
    loads_exact,
    normalize_json,
)
from catalogsync.providers.formats import infer_format_kind


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1"), "1"),
        (Decimal("1.0"), "1"),
        (Decimal("1.50"), "1.5"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.00000100000000000000015"), "0.00000100000000000000015"),
        (Decimal("1.5E-22"), "0.00000000000000000000015"),
        (Decimal("0"), "0"),
        (
            Decimal("123456789012345678901234567890.123456789"),
            "123456789012345678901234567890.123456789",
        ),
    ],
)
def test_canonical_decimal(value, expected):
    assert canonical_decimal(value) == expected


def test_canonical_decimal_refuses_non_finite():
    with pytest.raises(ValueError, match="finite"):
        canonical_decimal(Decimal("NaN"))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("wav", "audio"),
        ("MP3", "audio"),
        ("mp4", "video"),
        ("json", "text"),
        ("srt", "text"),
        ("png", "image"),
        ("xyz", "other"),
    ],
)
def test_infer_format_kind(name, kind):
    assert infer_format_kind(name) == kind


def test_loads_exact_keeps_digits_and_refuses_nan():
    assert loads_exact('{"p": 0.00000100000000000000015}') == {
        "p": Decimal("0.00000100000000000000015")
    }
    with pytest.raises(ValueError, match="NaN"):
        loads_exact('{"p": NaN}')


def test_normalize_json_sorts_objects_and_set_like_lists():
    assert normalize_json({"b": [10, 5, 1.0], "a": {"y": 2.50, "x": "s"}}) == {
        "a": {"x": "s", "y": Decimal("2.5")},
        "b": [1, 5, 10],
    }
    assert (
        dumps_canonical(normalize_json({"b": [True, None, "x", 2], "a": 1.0}))
        == '{"a":1,"b":[null,true,2,"x"]}'
    )


def _model(**overrides) -> Model:
    fields: dict[str, Any] = {
        "model_id": "bass",
        "name": "Bass",
        "inputs": (
            ModelInput(
                "media", formats=frozenset({Format("audio", "wav"), Format("video", "mp4")})
            ),
        ),
        "output_formats": frozenset({Format("audio", "wav"), Format("audio", "mp3")}),
        "prices": (Price("per_minute", "", "credits/minute", Decimal("1")),),
        "attributes": {
            "supportedLanguages": ["en", "de"],
            "limits": {"maxInputDurationSeconds": 600},
        },
    }
    fields.update(overrides)
    return Model(**fields)


@pytest.mark.parametrize(
    "variant",
    [
        {"prices": (Price("per_minute", "", "credits/minute", Decimal("1.0")),)},
        {
            "attributes": {
                "limits": {"maxInputDurationSeconds": Decimal("600.0")},
                "supportedLanguages": ["de", "en"],
            }
        },
        {"output_formats": frozenset({Format("audio", "MP3"), Format("audio", "wav")})},
        {
            "inputs": (
                ModelInput(
                    "media", formats=frozenset({Format("video", "mp4"), Format("audio", "wav")})
                ),
            )
        },
    ],
    ids=["1-vs-1.0", "attribute-order-and-spelling", "format-case-and-order", "input-format-order"],
)
def test_same_meaning_same_hash(variant):
    assert _model(**variant).content_hash() == _model().content_hash()


@pytest.mark.parametrize(
    "variant",
    [
        {"prices": (Price("per_minute", "", "credits/minute", Decimal("1.5")),)},
        {"name": "Bass v2"},
        {"output_formats": frozenset({Format("audio", "wav")})},
        {"inputs": (ModelInput("media", formats=frozenset({Format("audio", "wav")})),)},
        {"attributes": {"supportedLanguages": ["en"]}},
    ],
    ids=["price", "name", "output-format", "input-format", "attribute"],
)
def test_different_meaning_different_hash(variant):
    assert _model(**variant).content_hash() != _model().content_hash()


def test_catalog_hash_ignores_model_order_and_upstream_version():
    a, b = _model(), _model(model_id="drums")
    assert Catalog("p", (a, b), "v1").content_hash() == Catalog("p", (b, a), "v2").content_hash()


def test_duplicates_are_refused():
    with pytest.raises(ValueError, match="appears twice"):
        Catalog("p", (_model(), _model()))
    with pytest.raises(ValueError, match="appears twice"):
        _model(
            prices=(
                Price("unit", "720p", "credits", Decimal(1)),
                Price("unit", "720p", "credits", Decimal(2)),
            )
        )


def test_format_validation():
    with pytest.raises(ValueError, match="unknown format kind"):
        Format("sound", "wav")
    with pytest.raises(ValueError, match="needs a name"):
        Format("audio", " ")


def test_the_canonical_form_is_stable():
    """Stored content hashes depend on it: a change here needs a migration that re-hashes."""
    assert (
        _model().content_hash()
        == "a2e21079995c05f10066d58a49920e6736afa78f9859bbebed6f66013242f4cc"
    )
    value = normalize_json(
        {"b": [Decimal("0.00000100000000000000015"), "é", None], "a": {"z": True, "y": 1.50}}
    )
    assert (
        dumps_canonical(value)
        == '{"a":{"y":1.5,"z":true},"b":[null,0.00000100000000000000015,"é"]}'
    )


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # beyond 64 bits: msgspec gives up
    | st.decimals(allow_nan=False, allow_infinity=False, places=8)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_dumps_canonical_writes_what_the_standard_library_writes(value):
    """msgspec writes canonical JSON, the standard library's encoder is the reference."""
    normal = normalize_json(value)
    assert dumps_canonical(normal) == dumps_exact(normal, sort_keys=True)
    # Unnormalised data too (list order kept, floats left as they are): the same text.
    assert dumps_canonical(value) == dumps_exact(value, sort_keys=True)
