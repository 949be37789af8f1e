"""Every SQL query in docs/analysts.md runs, and finds something, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.factories import (
    akool_model,
    akool_payload,
    audioshake_model,
    audioshake_payload,
    auriko_model,
    auriko_payload,
)
from tests.helpers import store

DOC = Path(__file__).resolve().parent.parent / "docs" / "analysts.md"
QUERIES = re.findall(r"```sql\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_document_has_at_least_ten_queries():
    assert len(QUERIES) >= 10


@pytest.fixture
def analyst_data(engine):
    fast = "AkoolImage2VideoFastV1"
    store(
        engine,
        "akool",
        akool_payload(
            akool_model(fast, prices={"720p": 5, "1080p": 10}),
            akool_model("seedance-1-0-lite-i2v-250428", prices={"480p": 3}, group="seedance"),
        ),
        day=0,
    )
    store(
        engine,
        "audioshake",
        audioshake_payload(
            audioshake_model("bass", price=1),
            audioshake_model(
                "transcription",
                price=2,
                outputs=("json", "srt", "txt"),
                category="lyricTranscription",
                supportedLanguages=["en", "de", "fr"],
            ),
            audioshake_model("multi_voice", price=None, access="request_access"),
        ),
        day=4,
    )
    store(
        engine,
        "auriko",
        auriko_payload(
            auriko_model(
                "gpt-4o-2024-08-06",
                providers={"openai": (Decimal("2.5"), 10), "azure": (Decimal("2.75"), 11)},
            ),
        ),
        day=6,
    )
    store(
        engine,
        "akool",
        akool_payload(  # 2026-02-10: a rise, a removal, an addition
            akool_model(fast, prices={"720p": 5, "1080p": 12}),
            akool_model("kling-v2-5-turbo", prices={"720p": 14}, group="kling"),
        ),
        day=40,
    )
    return engine


@pytest.mark.parametrize("query", QUERIES, ids=[f"query{i + 1}" for i in range(len(QUERIES))])
def test_documented_query_runs_and_finds_rows(analyst_data, query):
    with analyst_data.connect() as conn:
        found = conn.execute(text(query)).fetchall()
    assert found, f"the documented query found nothing:\n{query}"


def test_documented_answers(analyst_data):
    """A few queries checked for the exact answer, not just for rows."""
    with analyst_data.connect() as conn:
        rises = conn.execute(
            text(next(q for q in QUERIES if "new_amount AS DECIMAL) > CAST(old_amount" in q))
        ).fetchall()
        removed = conn.execute(text(next(q for q in QUERIES if "NOT EXISTS" in q))).fetchall()
        german = conn.execute(text(next(q for q in QUERIES if '"de"' in q))).fetchall()
    assert [
        (r.model_id, r.variant, Decimal(str(r.old_amount)), Decimal(str(r.new_amount)))
        for r in rises
    ] == [("AkoolImage2VideoFastV1", "1080p", Decimal(10), Decimal(12))]
    assert [(r.provider, r.model_id) for r in removed] == [
        ("akool", "seedance-1-0-lite-i2v-250428")
    ]
    assert [r.model_id for r in german] == ["transcription"]
