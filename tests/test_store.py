"""Storing catalogs: versions, SCD2 history, unchanged runs, failures. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from catalogsync.reads.catalogs import load_catalog
from catalogsync.reads.versions import find_version, list_versions
from tests.factories import akool_model, akool_payload, audioshake_model, audioshake_payload
from tests.helpers import T0, count, rows, runs, snapshot, store

BASS = audioshake_model("bass", price=1)
DRUMS = audioshake_model("drums", price=2, audio=("wav", "flac"))
VOCALS = audioshake_model("vocals", price=Decimal("1.5"), supportedLanguages=["en", "de"])


def test_first_sync_fills_the_tables(engine):
    outcome = store(engine, "audioshake", audioshake_payload(BASS, DRUMS, VOCALS))
    assert (outcome.status, outcome.version, outcome.model_count, outcome.added) == (
        "succeeded",
        1,
        3,
        3,
    )
    assert count(engine, "models", "valid_to IS NULL") == 3
    assert count(engine, "model_inputs") == 3
    assert count(engine, "prices") == 3
    assert count(engine, "model_output_formats") == 6
    assert rows(engine, "SELECT slug FROM providers") == [("audioshake",)]
    assert runs(engine) == [("succeeded", None)]
    with engine.connect() as conn:
        version = find_version(conn, "audioshake")
        assert version is not None
        assert version.model_count == 3
        # The tables hold exactly the catalog: rebuilt, it hashes like the stored version.
        assert load_catalog(conn, "audioshake").content_hash() == version.content_hash


def test_identical_sync_is_unchanged(engine):
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS))
    before = snapshot(engine)
    outcome = store(engine, "audioshake", audioshake_payload(BASS, DRUMS), day=1)
    assert (outcome.status, outcome.version) == ("unchanged", 1)
    assert snapshot(engine) == before
    assert [s for s, _ in runs(engine)] == ["succeeded", "unchanged"]
    assert rows(engine, "SELECT catalog_version_id FROM sync_runs") == [(1,), (1,)]


def test_reordered_lists_and_number_spelling_make_no_new_version(engine):
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS))
    shuffled_bass = audioshake_model(
        "bass", price=1.0, audio=("mp3", "wav"), outputs=("mp3", "wav")
    )
    raw = json.dumps(audioshake_payload(DRUMS, shuffled_bass), indent=4, sort_keys=True).encode()
    assert b"1.0" in raw
    assert store(engine, "audioshake", raw, day=1).status == "unchanged"
    assert count(engine, "catalog_versions") == 1


def test_changes_make_exactly_one_version_and_keep_history(engine):
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS, VOCALS))
    changed_bass = audioshake_model("bass", price=Decimal("1.25"))  # price change
    changed_drums = audioshake_model(
        "drums", price=2, audio=("wav", "flac", "aiff")
    )  # input format added
    extra_input = {
        "id": "transcript",
        "description": "Lyrics",
        "required": False,
        "taskFields": ["transcriptUrl"],
        "formats": {"text": ["txt"]},
    }
    changed_vocals = audioshake_model(
        "vocals", price=Decimal("1.5"), supportedLanguages=["en", "de"]
    )
    changed_vocals["inputs"].append(extra_input)  # input added
    new_model = audioshake_model("guitar", price=3)
    outcome = store(
        engine,
        "audioshake",
        audioshake_payload(changed_bass, changed_drums, changed_vocals, new_model),
        day=10,
    )
    assert (outcome.status, outcome.version) == ("succeeded", 2)
    assert (outcome.added, outcome.removed, outcome.changed, outcome.prices_changed) == (1, 0, 3, 2)
    assert count(engine, "catalog_versions") == 2

    # Each changed model: old state row closed by version 2, new one opened.
    closed = rows(
        engine, "SELECT model_id FROM models WHERE valid_to IS NOT NULL ORDER BY model_id"
    )
    assert closed == [("bass",), ("drums",), ("vocals",)]
    assert count(engine, "models", "valid_to IS NULL") == 4
    # Only the child rows that changed were touched.
    assert count(engine, "prices", "valid_to IS NOT NULL") == 1
    # An input's formats are part of its row: drums' media input closed and reopened.
    assert rows(
        engine, "SELECT model_id, input_id FROM model_inputs WHERE valid_to IS NOT NULL"
    ) == [("drums", "media")]
    assert rows(
        engine,
        "SELECT model_id, input_id FROM model_inputs WHERE valid_from > (SELECT MIN(valid_from) FROM model_inputs) ORDER BY model_id, input_id",
    ) == [("drums", "media"), ("guitar", "media"), ("vocals", "transcript")]
    drums_formats = rows(
        engine,
        "SELECT v.version, f.name FROM model_input_formats mif JOIN formats f ON f.id = mif.format_id "
        "JOIN catalog_versions v ON v.id = mif.opened_in_version_id WHERE mif.model_id = 'drums' "
        "ORDER BY v.version, f.name",
    )
    assert drums_formats == [
        (1, "flac"),
        (1, "mp4"),
        (1, "wav"),
        (2, "aiff"),
        (2, "flac"),
        (2, "mp4"),
        (2, "wav"),
    ]  # the view: one row per format, with its input row's validity

    history = rows(
        engine,
        "SELECT amount, valid_from, valid_to, opened_in_version, closed_in_version FROM price_history "
        "WHERE model_id = 'bass' ORDER BY valid_from",
    )
    assert [(Decimal(str(a)), o, c) for a, _, _, o, c in history] == [
        (Decimal(1), 1, 2),
        (Decimal("1.25"), 2, None),
    ]
    assert history[0][2] == history[1][1]  # closed exactly when the new price opened
    with engine.connect() as conn:
        assert (
            load_catalog(conn, "audioshake").content_hash() == list_versions(conn)[-1].content_hash
        )
        first = find_version(conn, "audioshake", 1)
        assert first is not None
        assert load_catalog(conn, "audioshake", first).content_hash() == first.content_hash


def test_removed_then_readded_model_has_two_validity_ranges(engine):
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS, VOCALS))
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS), day=1)
    assert count(engine, "models", "model_id = 'vocals' AND valid_to IS NULL") == 0
    assert count(engine, "prices", "model_id = 'vocals' AND valid_to IS NULL") == 0
    assert count(engine, "model_attributes", "model_id = 'vocals' AND valid_to IS NULL") == 0
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS, VOCALS), day=5)
    ranges = rows(
        engine,
        "SELECT valid_from, valid_to FROM models WHERE model_id = 'vocals' ORDER BY valid_from",
    )
    assert len(ranges) == 2
    (from1, to1), (from2, to2) = ranges
    assert (from1, to1) == (
        rows(engine, "SELECT MIN(valid_from) FROM models")[0][0],
        rows(engine, "SELECT fetched_at FROM catalog_versions WHERE version = 2")[0][0],
    )
    assert to2 is None
    assert from2 > to1
    assert (
        rows(engine, "SELECT first_seen FROM current_models WHERE model_id = 'vocals'")[0][0]
        == from1
    )
    assert count(engine, "price_history", "model_id = 'vocals'") == 2


def test_history_is_dated_by_observed_time(engine):
    store(engine, "audioshake", audioshake_payload(BASS), day=3)
    store(engine, "audioshake", audioshake_payload(audioshake_model("bass", price=2)), day=7)
    with engine.connect() as conn:
        versions = list_versions(conn, "audioshake")
    assert [v.fetched_at for v in versions] == [T0 + timedelta(days=3), T0 + timedelta(days=7)]
    assert versions[0].fetched_at.tzinfo is not None


def test_import_older_than_newest_version_is_refused(engine):
    store(engine, "audioshake", audioshake_payload(BASS), day=5)
    before = snapshot(engine)
    outcome = store(engine, "audioshake", audioshake_payload(DRUMS), day=4)
    assert outcome.status == "failed"
    assert "newest stored version" in (outcome.error or "")
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"<html>Bad gateway</html>", "not JSON"),
        ({"models": [{"id": "bass", "creditsPerMinute": -1}]}, "creditsPerMinute"),
        (akool_payload(akool_model("a"), code=1101, msg="invalid token"), "1101"),
    ],
    ids=["html", "negative-price", "akool-error-code"],
)
def test_failed_sync_leaves_the_catalog_and_records_why(engine, payload, message):
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS))
    store(engine, "akool", akool_payload(akool_model("a")))
    before = snapshot(engine)
    provider = "akool" if isinstance(payload, dict) and "code" in payload else "audioshake"
    outcome = store(engine, provider, payload, day=1)
    assert outcome.status == "failed"
    assert message in (outcome.error or "")
    assert snapshot(engine) == before
    assert runs(engine)[-1][0] == "failed"
    assert message in (runs(engine)[-1][1] or "")


def test_mass_removal_guard(engine):
    store(engine, "audioshake", audioshake_payload(BASS, DRUMS, VOCALS, audioshake_model("guitar")))
    before = snapshot(engine)
    outcome = store(engine, "audioshake", audioshake_payload(BASS), day=1)  # 75 % drop
    assert outcome.status == "failed"
    assert "--allow-mass-removal" in (outcome.error or "")
    assert store(engine, "audioshake", audioshake_payload(), day=1).status == "failed"
    assert snapshot(engine) == before
    assert (
        store(engine, "audioshake", audioshake_payload(BASS, DRUMS), day=1).status == "succeeded"
    )  # 50 % is allowed
    assert (
        store(engine, "audioshake", audioshake_payload(), day=2, allow_mass_removal=True).status
        == "succeeded"
    )
    assert count(engine, "models", "valid_to IS NULL") == 0


def test_exact_decimal_round_trip(engine):
    tiny = Decimal("0.00000100000000000000015")
    raw = b'{"models": [{"id": "bass", "creditsPerMinute": 0.00000100000000000000015, "inputs": [], "outputFormats": []}]}'
    store(engine, "audioshake", raw)
    [(amount,)] = rows(engine, "SELECT amount FROM current_prices")
    assert Decimal(str(amount)) == tiny
    assert str(amount) == "0.00000100000000000000015"
    with engine.connect() as conn:
        assert load_catalog(conn, "audioshake").models[0].prices[0].amount == tiny


def test_views_have_the_contract_columns(engine):
    store(engine, "audioshake", audioshake_payload(BASS))
    expected = {
        "current_models": [
            "provider",
            "model_id",
            "name",
            "category",
            "description",
            "access",
            "first_seen",
        ],
        # CONTRACT.md's columns, in its order.
        "current_prices": [
            "provider",
            "model_id",
            "price_type",
            "variant",
            "tier",
            "service_tier",
            "region",
            "unit",
            "currency",
            "amount",
            "amount_value",
        ],
        "price_history": [
            "provider",
            "model_id",
            "price_type",
            "variant",
            "tier",
            "service_tier",
            "region",
            "unit",
            "currency",
            "amount",
            "amount_value",
            "kind",
            "valid_from",
            "valid_to",
        ],
        "price_changes": [
            "provider",
            "model_id",
            "price_type",
            "variant",
            "tier",
            "service_tier",
            "region",
            "unit",
            "currency",
            "old_amount",
            "new_amount",
            "old_value",
            "new_value",
            "pct_change",
            "change",
            "changed_at",
            "catalog_version",
        ],
    }
    with engine.connect() as conn:
        for view, columns in expected.items():
            result = conn.exec_driver_sql(f"SELECT * FROM {view}")
            assert list(result.keys())[: len(columns)] == columns
            assert result.fetchall()
    assert rows(
        engine, "SELECT provider, model_id, price_type, variant, unit FROM current_prices"
    ) == [("audioshake", "bass", "per_minute", "", "credits/minute")]


def test_bulk_insert_stores_exactly_what_sqlalchemy_would(engine):
    from datetime import UTC, datetime

    from sqlalchemy import insert, text

    from catalogsync.db.bulk import insert_rows as _insert
    from catalogsync.db.models import prices as price_table

    store(engine, "audioshake", audioshake_payload(BASS))
    [(provider_id, version_id)] = rows(engine, "SELECT provider_id, id FROM catalog_versions")
    at = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
    row = {
        "provider_id": provider_id,
        "price_type": "unit",
        "variant": "7\t2\\N0p\n\r\\ é",  # COPY's delimiters, escapes and NULL marker
        "unit": "credits",
        "amount": Decimal("0.00000100000000000000015"),
        "valid_from": at,
        "valid_to": None,
        "opened_in_version_id": version_id,
        "closed_in_version_id": None,
    }
    with engine.begin() as conn:
        fast = row | {"model_id": "fast"}
        columns = [c for c in fast if c not in ("provider_id", "valid_from")]
        _insert(
            conn,
            price_table,
            columns,
            [tuple(fast[c] for c in columns)],
            {"provider_id": provider_id, "valid_from": at},
        )
        conn.execute(insert(price_table), row | {"model_id": "slow"})
        stored = {
            model_id: (valid_from, amount, variant)
            for model_id, valid_from, amount, variant in conn.execute(
                text(
                    "SELECT model_id, CAST(valid_from AS TEXT), CAST(amount AS TEXT), variant FROM prices WHERE model_id IN ('fast', 'slow')"
                )
            )
        }
    assert stored["fast"] == stored["slow"]
    assert stored["fast"][2] == row["variant"]
    assert "0.00000100000000000000015" in stored["fast"][1]


def test_bulk_insert_round_trips_every_kind_of_column(engine):
    """Columns mixing NULLs, escapes, booleans and plain strings, several rows each:
    COPY text is built a column at a time, with shortcuts for the usual columns."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from catalogsync import keys
    from catalogsync.db.bulk import insert_rows as _insert
    from catalogsync.db.models import model_inputs

    store(engine, "audioshake", audioshake_payload(BASS))
    [(provider_id, version_id)] = rows(engine, "SELECT provider_id, id FROM catalog_versions")
    columns = keys.INPUT.columns
    written = [
        ("m1", "plain", None, None, "[]", "[1]"),
        ("m1", "tab\there", "line\nbreak", True, '["a"]', "[1,2]"),
        ("m2", "back\\slash", "", False, "[]", "[]"),
        ("m2", "\\N", "é and \r", None, '["x\\ty"]', "[3]"),
        ("m3", "last", "plain text", True, "[]", "[2]"),
    ]
    with engine.begin() as conn:
        _insert(
            conn,
            model_inputs,
            columns,
            written,
            {
                "provider_id": provider_id,
                "valid_from": datetime(2026, 3, 4, tzinfo=UTC),
                "opened_in_version_id": version_id,
            },
        )
        read = conn.execute(
            text(
                f"SELECT {', '.join(columns)} FROM model_inputs WHERE model_id LIKE 'm_' "
                "ORDER BY id"
            )
        ).all()
    assert [tuple(row) for row in read] == written


def test_a_payload_compression_failing_on_its_thread_is_done_again(monkeypatch):
    import threading
    import zlib

    from catalogsync import payloads

    real, threads = zlib.compress, []

    def flaky(data: bytes, level: int) -> bytes:
        threads.append(threading.current_thread().name)
        if len(threads) == 1:
            raise MemoryError
        return real(data, level)

    monkeypatch.setattr(payloads.zlib, "compress", flaky)  # type: ignore[attr-defined]
    payload = b'{"models": []}' * 1000
    assert zlib.decompress(payloads.compressing(payload)()) == payload
    assert threads == ["compress", "MainThread"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_transactions_adding_the_same_new_format_both_succeed(engine):
    """Formats are shared by every provider: two syncs (other providers, other processes)
    that meet the same new format at once both get its id; neither fails on the unique
    index (the daemon tests met this as "duplicate key ... uq_formats_kind_name")."""
    import threading

    from catalogsync.catalog import Format
    from catalogsync.store import _ensure_formats

    new = Format("image", "brand-new")
    first = engine.connect()
    transaction = first.begin()
    ids = {"first": _ensure_formats(first, {new})[new]}  # inserted, not yet committed

    def second() -> None:
        with engine.begin() as conn:  # waits for the first transaction, then reads its row
            ids["second"] = _ensure_formats(conn, {new})[new]

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # waiting on the first transaction's row
    transaction.commit()
    first.close()
    thread.join(10)
    assert ids["first"] == ids["second"]
    assert count(engine, "formats", "name = 'brand-new'") == 1
