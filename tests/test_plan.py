"""Version planning with plain values: no database, no I/O."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

import pytest

from catalogsync import keys
from catalogsync.catalog import Catalog, Format, Model, ModelInput, Price
from catalogsync.errors import MassRemovalError
from catalogsync.plan import (
    CurrentState,
    check_removal,
    compare_models,
    formats_needed,
    plan_version,
)
from catalogsync.rows import child_rows, format_id_list

WAV, MP3, MP4 = Format("audio", "wav"), Format("audio", "mp3"), Format("video", "mp4")
FORMAT_IDS = {WAV: 1, MP3: 2, MP4: 3}


def model(model_id: str, amount: str = "1", **kw) -> Model:
    return Model(
        model_id,
        name=kw.pop("name", model_id.title()),
        inputs=[ModelInput("media", formats=kw.pop("formats", [WAV]))],
        output_formats=[MP3],
        prices=[Price("per_minute", "", "credits/minute", Decimal(amount))],
        attributes=kw.pop("attributes", {"limits": {"seconds": 60}}),
    )


def catalog(*models: Model) -> Catalog:
    return Catalog("audioshake", models)


def stored(*models: Model) -> CurrentState:
    """The state a store would read after writing ``models``: row ids 1, 2, 3..."""
    ids = count(1)
    children: dict[str, dict[str, dict]] = {}
    for table, table_rows in child_rows(models, FORMAT_IDS).items():
        width = 1 + len(next(k for k in keys.HISTORY_KEYS if k.table == table).fields)
        for row in table_rows:
            children.setdefault(row[0], {}).setdefault(table, {})[row[1:width]] = (
                next(ids),
                row[width:],
            )
    return CurrentState(
        models={m.model_id: (100 + i, m.content_hash()) for i, m in enumerate(models)},
        children=children,
        format_ids=FORMAT_IDS,
    )


def opened(plan) -> dict[str, list[tuple]]:
    return {key.table: rows for key, rows in plan.opened()}


def test_a_first_version_adds_every_model_and_closes_nothing():
    new = catalog(model("bass"), model("drums", "2"))
    changes = compare_models({}, new)
    assert changes.added == ("bass", "drums")
    # Nothing stored: nothing is hashed while planning (the writer hashes as it goes).
    assert all("_content_hash" not in m.__dict__ for m in new.models)
    plan = plan_version(new, changes, CurrentState(format_ids=FORMAT_IDS))
    assert plan.prices_changed == 2
    assert all(not ids for ids in plan.close.values())
    assert plan.close_models == ()
    rows = opened(plan)
    assert rows["prices"] == [
        ("bass", "per_minute", "", "", "", "", "credits/minute", Decimal("1"), None),
        ("drums", "per_minute", "", "", "", "", "credits/minute", Decimal("2"), None),
    ]
    assert [r[0] for r in rows["models"]] == ["bass", "drums"]
    assert rows["models"][0][5] == format_id_list([MP3], FORMAT_IDS) == "[2]"
    assert rows["model_inputs"][0][1:] == ("media", None, None, "[]", "[1]")
    assert list(rows) == ["prices", "model_attributes", "model_inputs", "models"]


def test_a_changed_price_closes_and_opens_exactly_that_price_and_the_model_row():
    old = catalog(model("bass"), model("drums", "2"))
    state = stored(*old.models)
    new = catalog(model("bass", "1.5"), model("drums", "2"))
    changes = compare_models(state.models, new)
    assert (changes.added, changes.removed, changes.changed) == ((), (), ("bass",))
    plan = plan_version(new, changes, state)
    [(price_id, _)] = state.children["bass"]["prices"].values()
    assert plan.close == {
        "prices": (price_id,),
        "model_attributes": (),
        "model_inputs": (),
        "models": (100,),
    }
    rows = opened(plan)
    assert rows["prices"] == [
        ("bass", "per_minute", "", "", "", "", "credits/minute", Decimal("1.5"), None)
    ]
    assert rows["model_attributes"] == []
    assert rows["model_inputs"] == []
    assert [r[0] for r in rows["models"]] == ["bass"]
    assert plan.prices_changed == 1


def test_a_changed_input_format_reopens_only_the_input():
    old = catalog(model("bass"))
    state = stored(*old.models)
    new = catalog(model("bass", formats=[WAV, MP4]))
    changes = compare_models(state.models, new)
    plan = plan_version(new, changes, state)
    rows = opened(plan)
    assert rows["model_inputs"] == [("bass", "media", None, None, "[]", "[1,3]")]
    assert rows["prices"] == []
    assert plan.prices_changed == 0
    assert formats_needed(new, changes) == {WAV, MP3, MP4}


def test_added_and_removed_models():
    old = catalog(model("bass"), model("drums"), model("piano"))
    state = stored(*old.models)
    new = catalog(model("bass"), model("drums"), model("vocals", "3"))
    changes = compare_models(state.models, new)
    assert (changes.added, changes.removed, changes.changed) == (("vocals",), ("piano",), ())
    plan = plan_version(new, changes, state)
    assert plan.close_models == ("piano",)
    assert plan.close["models"] == (102,)
    assert [m.model_id for m in plan.touched] == ["vocals"]
    assert opened(plan)["prices"] == [
        ("vocals", "per_minute", "", "", "", "", "credits/minute", Decimal(3), None)
    ]
    # The removed model's prices are counted by the writer as it closes them.
    assert plan.prices_changed == 1


def test_an_unchanged_catalog_plans_nothing():
    old = catalog(model("bass"), model("drums"))
    state = stored(*old.models)
    changes = compare_models(state.models, catalog(model("bass"), model("drums")))
    assert (changes.added, changes.removed, changes.changed, changes.unchanged) == ((), (), (), 2)


@pytest.mark.parametrize(
    ("removed", "current", "allowed"),
    [(1, 2, True), (2, 3, False), (0, 0, True), (3, 3, False)],
)
def test_mass_removal_is_refused_above_the_fraction(removed, current, allowed):
    old = catalog(*(model(f"m{i}") for i in range(current)))
    new = catalog(*old.models[removed:])
    changes = (
        compare_models(stored(*old.models).models, new) if current else compare_models({}, new)
    )
    if allowed:
        check_removal("audioshake", changes, current, 0.5)
    else:
        with pytest.raises(MassRemovalError):
            check_removal("audioshake", changes, current, 0.5)
    check_removal("audioshake", changes, current, 0.5, allow=True)
