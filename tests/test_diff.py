"""The pure comparison functions, with plain values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.diff import (
    FieldChange,
    classify_models,
    diff_catalogs,
    diff_keyed,
    removal_exceeds,
)


@pytest.mark.parametrize(
    ("old", "new", "closed", "opened"),
    [
        ({}, {}, (), ()),
        ({"a": 1}, {"a": 1}, (), ()),
        ({"a": 1}, {"a": 2}, ("a",), ("a",)),
        ({"a": 1}, {}, ("a",), ()),
        ({}, {"a": 1}, (), ("a",)),
        ({"a": 1, "b": 2}, {"b": 2, "c": 3}, ("a",), ("c",)),
        ({("x", 1): ()}, {("x", 1): (), ("x", 2): ()}, (), (("x", 2),)),
    ],
)
def test_diff_keyed(old, new, closed, opened):
    delta = diff_keyed(old, new)
    assert (delta.closed, delta.opened) == (closed, opened)


def test_classify_models():
    changes = classify_models({"a": "1", "b": "2", "c": "3"}, {"b": "2", "c": "33", "d": "4"})
    assert changes.added == ("d",)
    assert changes.removed == ("a",)
    assert changes.changed == ("c",)
    assert changes.unchanged == 1


@pytest.mark.parametrize(
    ("removed", "current", "fraction", "exceeds"),
    [
        (0, 0, 0.5, False),
        (5, 10, 0.5, False),
        (6, 10, 0.5, True),
        (10, 10, 0.5, True),
        (1, 10, 0.0, True),
        (10, 10, 1.0, False),
    ],
)
def test_removal_exceeds(removed, current, fraction, exceeds):
    assert removal_exceeds(removed, current, fraction) is exceeds


def _m(model_id: str, **kw) -> Model:
    return Model(model_id, name=kw.pop("name", model_id), **kw)


def test_diff_catalogs_field_changes():
    wav, mp3, mp4 = Format("audio", "wav"), Format("audio", "mp3"), Format("video", "mp4")
    old = Catalog(
        "akool",
        (
            _m("kept"),
            _m("gone"),
            _m(
                "moved",
                prices=(
                    Price("unit", "720p", "credits", Decimal(5)),
                    Price("unit", "1080p", "credits", Decimal(10)),
                ),
                inputs=(ModelInput("media", formats=frozenset({wav})),),
                output_formats=frozenset({wav}),
                attributes={"maxCount": 10},
            ),
        ),
    )
    new = Catalog(
        "akool",
        (
            _m("kept"),
            _m("new"),
            _m(
                "moved",
                name="Moved!",
                prices=(
                    Price("unit", "720p", "credits", Decimal(5)),
                    Price("unit", "1080p", "credits", Decimal("12.5")),
                ),
                inputs=(ModelInput("media", formats=frozenset({wav, mp3})),),
                output_formats=frozenset({wav, mp4}),
                attributes={"maxCount": 20},
            ),
        ),
    )
    diff = diff_catalogs(old, new)
    assert diff.added == ("new",)
    assert diff.removed == ("gone",)
    assert [d.model_id for d in diff.changed] == ["moved"]
    assert diff.changed[0].changes == (
        FieldChange("name", "moved", "Moved!"),
        FieldChange("price.unit.1080p", Decimal(10), Decimal("12.5")),
        FieldChange("input.media.formats", ["audio/wav"], ["audio/mp3", "audio/wav"]),
        FieldChange("output_formats", ["audio/wav"], ["audio/wav", "video/mp4"]),
        FieldChange("attribute.maxCount", 10, 20),
    )


def test_diff_catalogs_price_appears_and_disappears():
    old = Catalog("p", (_m("a", prices=(Price("per_minute", "", "credits/minute", Decimal(1)),)),))
    new = Catalog("p", (_m("a"),))
    assert diff_catalogs(old, new).changed[0].changes == (
        FieldChange("price.per_minute", Decimal(1), None),
    )
    assert diff_catalogs(new, old).changed[0].changes == (
        FieldChange("price.per_minute", None, Decimal(1)),
    )
    assert diff_catalogs(None, new).added == ("a",)
    assert diff_catalogs(new, new).is_empty
