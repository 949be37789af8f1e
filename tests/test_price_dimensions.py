"""Every price dimension, and variable prices, through ``import`` and ``sync``. Both databases.

The three seed adapters publish no tiers, service tiers, regions or variable prices, so a
small adapter defined here (``points``, installed for this process as a package would be)
reads a price list that states every field of a price point as it is: what is stored and
shown must be exactly that.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from catalogsync.catalog import Catalog, Model, Price
from catalogsync.cli import main
from catalogsync.config import ProviderSettings
from catalogsync.db.session import make_engine
from catalogsync.errors import PayloadError
from catalogsync.present.output import dumps_json
from catalogsync.providers.base import load_json
from tests.helpers import installed_adapter, rows, use_local_server

if TYPE_CHECKING:
    import httpx

    from tests.provider_server import ProviderServer

FIELDS = ("price_type", "variant", "tier", "service_tier", "region", "unit")


class PointsProvider:
    """A price list stating each price point whole: ``GET /points`` ->
    ``{"models": [{"id", "prices": [{price_type, variant, tier, service_tier, region, unit,
    currency, amount}]}]}``, amounts as decimal strings or ``null`` (variable)."""

    name: ClassVar[str] = "points"
    default_base_url: ClassVar[str] = "https://points.example"

    def __init__(self, settings: ProviderSettings) -> None:
        self._settings = settings

    def fetch(self, client: httpx.Client) -> bytes:
        from catalogsync.http import get_bytes

        return get_bytes(client, self.name, self._settings.base_url + "/points")

    def parse(self, raw: bytes) -> Catalog:
        data: Any = load_json(self.name, raw)
        try:
            models = [
                Model(
                    item["id"],
                    prices=[
                        Price(
                            p["price_type"],
                            p["variant"],
                            p["unit"],
                            None if p["amount"] is None else Decimal(p["amount"]),
                            tier=p["tier"],
                            service_tier=p["service_tier"],
                            region=p["region"],
                            currency=p["currency"],
                        )
                        for p in item["prices"]
                    ],
                )
                for item in data["models"]
            ]
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise PayloadError(self.name, "", f"not a price list ({exc!r})") from None
        return Catalog(self.name, tuple(models))


@pytest.fixture
def points(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ``points`` adapter installed for this process; the database in the environment."""
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    entry = "points = tests.test_price_dimensions:PointsProvider"
    with installed_adapter(tmp_path / "site-packages", "points", entry):
        yield


def point(
    price_type: str,
    amount: str | None,
    *,
    variant: str = "",
    tier: str = "",
    service_tier: str = "",
    region: str = "",
    unit: str = "USD/1M tokens",
    currency: str | None = "USD",
) -> dict[str, Any]:
    return {
        "price_type": price_type,
        "variant": variant,
        "tier": tier,
        "service_tier": service_tier,
        "region": region,
        "unit": unit,
        "currency": currency,
        "amount": amount,
    }


EVERY_DIMENSION = [
    point("input_tokens", "3"),
    point("output_tokens", "15"),
    point("input_tokens", "6", tier="input_tokens>200000"),
    point("output_tokens", "22.5", tier="input_tokens>200000"),
    point("input_tokens", "1.5", tier="utc 10:00-01:00"),
    point("input_tokens", "7", tier="input_tokens>200000 and utc 10:00-01:00"),
    point("input_tokens", "1.5", service_tier="batch"),
    point("input_tokens", "1.75", service_tier="flex"),
    point("input_tokens", "5.25", service_tier="priority"),
    point("input_tokens", "3.3", region="eu"),
    point("input_tokens", "3.9", region="us-east-1", service_tier="priority"),
    point("cache_read_tokens", "0.3"),
    point("cache_write_tokens", "3.75"),
    point("cache_write_1h_tokens", "6"),
    point("reasoning_tokens", "15"),
    point("request", "0.0004", unit="USD/request"),
    point("input_image", "0.0048", unit="USD/image"),
    point("web_search", "0.01", unit="USD/request"),
    point("per_second", "0.000000000000000000012345678901", unit="EUR/second", currency="EUR"),
    point("unit", "12", variant="1080p", unit="credits", currency=None),
    point("input_tokens", None, variant="router"),  # variable: the routed model's price
    point("some_new_charge", "2", unit="USD/call"),  # a name outside the vocabulary: kept
]


def payload(*prices: dict[str, Any], model: str = "m1") -> dict[str, Any]:
    return {"models": [{"id": model, "prices": list(prices)}]}


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def import_points(tmp_path: Path, body: dict[str, Any], day: int) -> dict[str, Any]:
    path = tmp_path / f"points-{day}.json"
    path.write_text(dumps_json(body), encoding="utf-8")
    code, out = run(
        "import", "points", str(path), "--observed-at", f"2026-03-{day:02d}", "--format", "json"
    )
    assert code == 0, out
    [outcome] = json.loads(out)
    return dict(outcome)


def stored_points(database_url: str) -> list[tuple[Any, ...]]:
    engine = make_engine(database_url)
    try:
        return [
            (*row[:7], None if row[7] is None else Decimal(str(row[7])), row[8])
            for row in rows(
                engine,
                "SELECT price_type, variant, tier, service_tier, region, unit, currency, amount,"
                " kind FROM current_prices ORDER BY price_type, variant, tier, service_tier,"
                " region, unit",
            )
        ]
    finally:
        engine.dispose()


def as_stored(p: dict[str, Any]) -> tuple[Any, ...]:
    amount = None if p["amount"] is None else Decimal(p["amount"])
    kind = "variable" if amount is None else "fixed"
    return (*(p[name] for name in FIELDS), p["currency"], amount, kind)


@pytest.mark.usefixtures("points")
def test_a_catalog_using_every_dimension_round_trips_exactly(database_url, tmp_path):
    outcome = import_points(tmp_path, payload(*EVERY_DIMENSION), day=1)
    assert outcome["status"] == "succeeded"
    assert outcome["prices_changed"] == len(EVERY_DIMENSION)
    assert stored_points(database_url) == sorted(as_stored(p) for p in EVERY_DIMENSION)
    # The command line reads every field back exactly (amounts as exact JSON numbers).
    [model] = json.loads(run("models", "points", "--format", "json")[1], parse_float=Decimal)
    shown = {
        tuple(p[name] for name in FIELDS): (p["currency"], p["amount"]) for p in model["prices"]
    }
    assert shown == {
        tuple(p[name] for name in FIELDS): (
            p["currency"],
            None if p["amount"] is None else Decimal(p["amount"]),
        )
        for p in EVERY_DIMENSION
    }
    # An identical catalog is unchanged; the same one reordered too.
    assert import_points(tmp_path, payload(*EVERY_DIMENSION), day=2)["status"] == "unchanged"
    reordered = payload(*reversed(EVERY_DIMENSION))
    assert import_points(tmp_path, reordered, day=3)["status"] == "unchanged"


@pytest.mark.usefixtures("points")
@pytest.mark.parametrize(
    "changed",
    [
        point("input_tokens", "6.5", tier="input_tokens>200000"),
        point("input_tokens", "8", tier="input_tokens>200000 and utc 10:00-01:00"),
        point("input_tokens", "1.25", service_tier="batch"),
        point("input_tokens", "3.35", region="eu"),
        point("input_tokens", "4", region="us-east-1", service_tier="priority"),
        point("unit", "13", variant="1080p", unit="credits", currency=None),
        point("per_second", "0.000000000000000000012345678902", unit="EUR/second", currency="EUR"),
    ],
    ids=lambda p: " ".join(
        filter(None, (p["price_type"], p["tier"], p["service_tier"], p["region"]))
    ),
)
def test_changing_one_price_point_changes_exactly_that_price(database_url, tmp_path, changed):
    import_points(tmp_path, payload(*EVERY_DIMENSION), day=1)
    key = tuple(changed[name] for name in FIELDS)
    prices = [changed if tuple(p[n] for n in FIELDS) == key else p for p in EVERY_DIMENSION]
    outcome = import_points(tmp_path, payload(*prices), day=2)
    assert (outcome["status"], outcome["changed"], outcome["prices_changed"]) == ("succeeded", 1, 1)
    [before] = [p for p in EVERY_DIMENSION if tuple(p[n] for n in FIELDS) == key]
    report = json.loads(
        run("report", "prices", "--since", "2026-03-02", "--format", "json")[1],
        parse_float=Decimal,
    )
    assert [
        (tuple(r[n] for n in FIELDS), r["currency"], r["change"], r["old_amount"], r["new_amount"])
        for r in report
    ] == [
        (key, changed["currency"], "changed", Decimal(before["amount"]), Decimal(changed["amount"]))
    ]


@pytest.mark.usefixtures("points")
def test_a_price_becoming_variable_and_fixed_again(database_url, tmp_path):
    fixed = point("input_tokens", "3", variant="auto")
    variable = point("input_tokens", None, variant="auto")
    assert import_points(tmp_path, payload(fixed), day=1)["status"] == "succeeded"
    assert import_points(tmp_path, payload(variable), day=2)["prices_changed"] == 1
    assert stored_points(database_url) == [as_stored(variable)]
    assert import_points(tmp_path, payload(fixed), day=3)["prices_changed"] == 1
    report = json.loads(run("report", "prices", "--format", "json", "--include-first-version")[1])
    assert [(r["change"], r["old_amount"], r["new_amount"]) for r in report] == [
        ("added", None, 3),
        ("changed", 3, None),
        ("changed", None, 3),
    ]
    code, table = run("report", "prices")
    assert code == 0
    assert table.count("variable") == 2
    code, diff = run("diff", "points", "--from", "1", "--to", "2", "--format", "json")
    changes = json.loads(diff)["changed"][0]["changes"]
    assert changes == [{"field": "price.input_tokens.auto", "old": 3, "new": "variable"}]


@pytest.mark.usefixtures("points")
def test_every_dimension_through_sync_against_the_local_server(
    database_url, tmp_path, provider_server: ProviderServer, monkeypatch
):
    use_local_server(monkeypatch, provider_server, database_url)
    provider_server.route("/points", "points")
    provider_server.set_json("points", payload(*EVERY_DIMENSION))
    code, out = run("sync", "points", "--format", "json")
    assert code == 0, out
    assert json.loads(out)[0]["status"] == "succeeded"
    assert stored_points(database_url) == sorted(as_stored(p) for p in EVERY_DIMENSION)
    code, out = run("sync", "points", "--format", "json")
    assert json.loads(out)[0]["status"] == "unchanged"
    for fmt in ("table", "csv", "markdown", "html", "json"):
        assert run("report", "prices", "--format", fmt)[0] == 0
    assert run("models", "points")[0] == 0
