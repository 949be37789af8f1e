"""An Akool model listed under two types at different prices is stored with every price
(variants ``RESOLUTION@TYPE``), on SQLite and PostgreSQL, and a sync succeeds."""

from __future__ import annotations

import io
import json
from pathlib import Path

from catalogsync.cli import main
from tests.helpers import rows

FIXTURE = Path(__file__).parent / "fixtures" / "providers" / "akool" / "prices_differ_by_type.json"


def test_the_catalog_is_stored_with_each_types_price(engine, database_url, monkeypatch):
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    out = io.StringIO()
    code = main(["import", "akool", str(FIXTURE), "--format", "json"], out=out)
    assert code == 0, out.getvalue()
    assert json.loads(out.getvalue())[0]["status"] == "succeeded"
    stored = rows(
        engine,
        "SELECT variant, amount FROM current_prices WHERE provider = 'akool' "
        "AND model_id = 'seedance-1-0-lite-i2v-250428' ORDER BY variant",
    )
    assert [(variant, str(amount)) for variant, amount in stored] == [
        ("1080p", "10"),
        ("480p", "3"),
        ("720p@1501", "5"),
        ("720p@1502", "6"),
    ]
