"""The web front end's pure parts: the catalog page's rows, the report's filters, the
chart steps, a provider's state, loopback addresses, credentials."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from catalogsync.catalog import Catalog, Model, Price
from catalogsync.present.charts import steps
from catalogsync.web.auth import Auth
from catalogsync.web.catalog_view import PAGE_SIZE, CatalogQuery, catalog_page
from catalogsync.web.charts import price_charts
from catalogsync.web.pages import state_of
from catalogsync.web.server import is_loopback

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def price(price_type: str, amount: str | None, currency: str | None = "USD") -> Price:
    unit = "USD/1M tokens" if currency else "credits"
    return Price(
        price_type=price_type,
        variant="",
        unit=unit,
        amount=None if amount is None else Decimal(amount),
        currency=currency,
    )


CATALOG = Catalog(
    "p",
    (
        Model("m-b", name="Beta", category="chat", prices=(price("input_tokens", "3"),)),
        Model(
            "m-a",
            name="alpha",
            category="audio",
            description="speech to text",
            prices=(price("input_tokens", "1"), price("output_tokens", None)),
        ),
        Model("m-c", name="Gamma", category="chat", prices=(price("request", "2", None),)),
        Model("m-d", name="Delta", category="chat"),
    ),
)


def ids(query: CatalogQuery) -> list[tuple[str, str]]:
    return [
        (r.model.model_id, r.price.price_type if r.price else "-")
        for r in catalog_page(CATALOG, query).rows
    ]


def test_the_catalog_page_has_a_row_per_price_and_one_for_a_model_without():
    assert ids(CatalogQuery()) == [
        ("m-a", "input_tokens"),
        ("m-a", "output_tokens"),
        ("m-b", "input_tokens"),
        ("m-c", "request"),
        ("m-d", "-"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (CatalogQuery(q="SPEECH"), ["m-a", "m-a"]),
        (CatalogQuery(q="gamma"), ["m-c"]),
        (CatalogQuery(category="chat"), ["m-b", "m-c", "m-d"]),
        (CatalogQuery(price_type="input_tokens"), ["m-a", "m-b"]),
        (CatalogQuery(currency="-"), ["m-c"]),
        (CatalogQuery(currency="USD", category="chat"), ["m-b"]),
        (CatalogQuery(sort="name"), ["m-a", "m-a", "m-b", "m-d", "m-c"]),
        # variable (no amount) and no price last, whichever way
        (CatalogQuery(sort="amount"), ["m-a", "m-c", "m-b", "m-a", "m-d"]),
        (CatalogQuery(sort="amount", descending=True), ["m-b", "m-c", "m-a", "m-a", "m-d"]),
        (CatalogQuery(sort="model", descending=True), ["m-d", "m-c", "m-b", "m-a", "m-a"]),
    ],
)
def test_search_filters_and_sorting(query, expected):
    assert [model for model, _ in ids(query)] == expected


def test_the_catalog_page_is_cut_into_pages():
    many = Catalog("p", tuple(Model(f"m{i:04d}") for i in range(PAGE_SIZE * 2 + 5)))
    first = catalog_page(many, CatalogQuery())
    assert (first.pages, first.matched, len(first.rows)) == (3, PAGE_SIZE * 2 + 5, PAGE_SIZE)
    last = catalog_page(many, CatalogQuery(page=99))  # past the end: the last page
    assert last.page == 3
    assert [r.model.model_id for r in last.rows] == [f"m{i:04d}" for i in range(200, 205)]
    facets = catalog_page(CATALOG, CatalogQuery())
    assert facets.categories == ["audio", "chat"]
    assert facets.currencies == ["-", "USD"]


@dataclass
class Period:
    amount: Decimal
    start: datetime
    end: datetime | None


def test_steps_leave_a_gap_where_a_price_was_absent():
    day = timedelta(days=1)
    periods = [
        Period(Decimal(2), T0 + 5 * day, None),
        Period(Decimal(1), T0, T0 + 2 * day),
        Period(Decimal(3), T0 + 2 * day, T0 + 3 * day),
    ]
    assert steps(periods) == [
        (T0, Decimal(1)),
        (T0 + 2 * day, Decimal(3)),
        (T0 + 3 * day, None),
        (T0 + 5 * day, Decimal(2)),
    ]


def test_one_chart_per_unit():
    series: dict[tuple[str, ...], list[Period]] = {
        ("input_tokens", "", "", "", "", "USD/1M tokens"): [Period(Decimal(1), T0, None)],
        ("output_tokens", "", "", "", "", "USD/1M tokens"): [Period(Decimal(2), T0, None)],
        ("request", "", "", "", "", "USD/request"): [Period(Decimal(3), T0, None)],
    }
    charts = price_charts(series, T0 + timedelta(days=30))
    assert [(c.unit, c.lines) for c in charts] == [("USD/1M tokens", 2), ("USD/request", 1)]
    assert all(str(c.svg).startswith("<svg") and "<script" not in str(c.svg) for c in charts)


@dataclass
class Status:
    enabled: bool = True
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    running_since: datetime | None = None
    version: int | None = None


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (Status(), "never synced"),
        (Status(enabled=False), "disabled"),
        (Status(version=2), "imported"),
        (Status(last_success_at=T0), "ok"),
        (Status(last_success_at=T0, last_failure_at=T0 + timedelta(1)), "failing"),
        (Status(last_success_at=T0 + timedelta(1), last_failure_at=T0), "ok"),
        (Status(last_failure_at=T0), "failing"),
        (Status(last_success_at=T0, running_since=T0), "running"),
    ],
)
def test_a_providers_state_in_a_word(status, state):
    assert state_of(status) == state


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.10", False),
        ("example.internal", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        (None, False),
        ("", False),
        ("Bearer", False),
        ("Bearer tok", True),
        ("bearer tok", True),
        ("Bearer tok2", False),
        ("Basic tok", False),
        ("Token tok", False),
    ],
)
def test_a_bearer_token(header, allowed):
    assert Auth(token=b"tok").allows(header) is allowed


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        (basic("u", "p:w"), True),
        (basic("u", "p"), False),
        (basic("v", "p:w"), False),
        ("Basic " + base64.b64encode(b"u").decode(), False),  # no colon at all
        ("Basic !!!not-base64", False),
        ("Bearer p:w", False),
    ],
)
def test_basic_credentials(header, allowed):
    assert Auth(user=b"u", password=b"p:w").allows(header) is allowed
