"""Change events: computed from each stored version's plan, written with it, recomputed by a
rebuild with the same ids. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal

from catalogsync import api
from catalogsync.db.session import make_engine
from catalogsync.events import ChangeEvent, event_id, pct_change
from tests.factories import openrouter_model, openrouter_payload
from tests.helpers import rows, settings, store

GPT = openrouter_model("acme/gpt", prompt="0.0000025", completion="0.00001")
OLD = openrouter_model("acme/old", prompt="0.000001", completion="0.000002")
SMALL = openrouter_model("acme/small", prompt="0.0000001", completion="0.0000002")

V1 = openrouter_payload(GPT, OLD, SMALL)
V2 = openrouter_payload(
    openrouter_model("acme/gpt", prompt="0.000003", completion="0.00001"),  # +20% input
    openrouter_model(
        "acme/small",
        prompt="0.0000001",
        completion="0.0000002",
        description="now smaller",
        expiration_date="2027-01-31",
    ),
    openrouter_model("acme/new", prompt="0.000004", completion="0.000008"),
)

COLUMNS = (
    "event_type, model_id, price_type, old_amount, new_amount, currency, pct_change, "
    "fields, retires_on, version"
)


def events(engine, version=None):
    where = "" if version is None else f"WHERE version = {version}"
    return rows(engine, f"SELECT {COLUMNS} FROM change_events {where} ORDER BY version, id")


def test_a_first_version_is_a_baseline_of_models_added(engine):
    store(engine, "openrouter", V1)
    found = events(engine)
    assert [(e[0], e[1]) for e in found] == [
        ("model_added", "acme/gpt"),
        ("model_added", "acme/old"),
        ("model_added", "acme/small"),
    ]
    assert all(e[2] is None and e[3] is None and e[4] is None for e in found)


def test_a_new_version_stores_its_typed_events(engine):
    store(engine, "openrouter", V1)
    store(engine, "openrouter", V2, day=1)
    found = [(e[0], e[1], e[2]) for e in events(engine, 2)]
    assert found == [
        ("price_changed", "acme/gpt", "input_tokens"),
        ("model_added", "acme/new", None),
        ("price_added", "acme/new", "input_tokens"),
        ("price_added", "acme/new", "output_tokens"),
        ("model_removed", "acme/old", None),
        ("price_removed", "acme/old", "input_tokens"),
        ("price_removed", "acme/old", "output_tokens"),
        ("model_changed", "acme/small", None),
        ("model_retiring", "acme/small", None),
    ]
    by_kind = {(e[0], e[1], e[2]): e for e in events(engine, 2)}
    moved = by_kind[("price_changed", "acme/gpt", "input_tokens")]
    assert (Decimal(moved[3]), Decimal(moved[4]), moved[5]) == (
        Decimal("2.5"),
        Decimal(3),
        "USD",
    )
    assert float(moved[6]) == 20.0
    removed = by_kind[("price_removed", "acme/old", "output_tokens")]
    assert (Decimal(removed[3]), removed[4]) == (Decimal(2), None)
    changed = by_kind[("model_changed", "acme/small", None)]
    assert json.loads(changed[7]) == ["description", "attribute.expiration_date"]
    assert by_kind[("model_retiring", "acme/small", None)][8] == "2027-01-31"
    # An unchanged retirement date is no new event.
    again = openrouter_payload(
        openrouter_model("acme/gpt", prompt="0.000003", completion="0.00001"),
        openrouter_model(
            "acme/small",
            prompt="0.0000002",
            completion="0.0000002",
            description="now smaller",
            expiration_date="2027-01-31",
        ),
        openrouter_model("acme/new", prompt="0.000004", completion="0.000008"),
    )
    store(engine, "openrouter", again, day=2)
    assert [(e[0], e[1], e[2], float(e[6])) for e in events(engine, 3)] == [
        ("price_changed", "acme/small", "input_tokens", 100.0)
    ]


def test_event_ids_are_stable_and_unique(engine):
    store(engine, "openrouter", V1)
    store(engine, "openrouter", V2, day=1)
    ids = rows(
        engine,
        "SELECT event_id, event_type, model_id, price_type FROM change_events WHERE version = 2",
    )
    assert len({i[0] for i in ids}) == len(ids)
    expected = event_id(
        "openrouter",
        2,
        ChangeEvent(
            "price_changed",
            "acme/gpt",
            ("input_tokens", "", "", "", "", "USD/1M tokens"),
        ),
    )
    assert expected in {i[0] for i in ids}


def test_a_rebuild_recomputes_events_with_the_same_ids(database_url):
    engine = make_engine(database_url)
    try:
        store(engine, "openrouter", V1)
        store(engine, "openrouter", V2, day=1)
        before = rows(engine, "SELECT * FROM change_events ORDER BY event_id")
        # Make version 2 look stale, so that the rebuild replays it.
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE catalog_versions SET content_hash = 'stale' WHERE version = 2"
            )
            conn.exec_driver_sql(
                "DELETE FROM change_events WHERE version = 2 AND event_type = 'model_added'"
            )
        db = api.open_database(database_url)
        try:
            report = api.rebuild(db, settings(), ["openrouter"])
        finally:
            db.close()
        assert report.ok
        after = rows(engine, "SELECT * FROM change_events ORDER BY event_id")
        strip = lambda found: sorted((r[1], *r[2:]) for r in found)  # noqa: E731 - ids aside
        assert strip(after) == strip(before)
    finally:
        engine.dispose()


def test_pct_change_rounds_half_even_and_leaves_zero_and_variable_alone():
    assert pct_change(Decimal(3), Decimal(4)) == Decimal("33.33")
    assert pct_change(Decimal(0), Decimal(4)) is None
    assert pct_change(Decimal(4), None) is None
    assert pct_change(Decimal(8), Decimal(4)) == Decimal("-50.00")


def test_event_ids_are_rfc_4122_name_based_uuids():
    import uuid

    from catalogsync.events import NAMESPACE

    event = ChangeEvent("price_changed", "m\u00e9", ("input_tokens", "", "", "", "", "u"))
    name = "\x1f".join(("p", "7", "price_changed", "m\u00e9", "input_tokens", "", "", "", "", "u"))
    assert event_id("p", 7, event) == str(uuid.uuid5(NAMESPACE, name))


def test_litellm_deprecation_dates_announce_retirements(engine):
    def litellm(**extra):
        return {
            "acme-chat": {
                "litellm_provider": "acme",
                "mode": "chat",
                "input_cost_per_token": 1e-06,
                **extra,
            }
        }

    store(engine, "litellm", litellm())
    store(engine, "litellm", litellm(deprecation_date="2026-06-30"), day=1)
    store(engine, "litellm", litellm(deprecation_date="2026-09-30"), day=2)  # moved: again
    store(engine, "litellm", litellm(deprecation_date="2026-09-30", max_tokens=8), day=3)
    found = rows(
        engine,
        "SELECT version, event_type, retires_on FROM change_events "
        "WHERE event_type = 'model_retiring' ORDER BY version",
    )
    assert found == [(2, "model_retiring", "2026-06-30"), (3, "model_retiring", "2026-09-30")]
