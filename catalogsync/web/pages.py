"""The HTML pages: each asks the library one or two questions and fills a template."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response

from catalogsync import api
from catalogsync.codec import dumps_canonical
from catalogsync.present.diffs import value_text
from catalogsync.present.prices import direction, display_cells
from catalogsync.results import PriceReport
from catalogsync.web import params, report_filter
from catalogsync.web.catalog_view import CREDITS, SORTS, CatalogQuery, catalog_page
from catalogsync.web.charts import price_charts
from catalogsync.web.report_filter import CHANGE_KINDS
from catalogsync.web.report_filter import SORTS as REPORT_SORTS
from catalogsync.web.site import Site, price_report, provider_named, site_of, version_diff
from catalogsync.web.templating import page

LATEST_WINDOW = timedelta(days=7)
"""The overview's latest changes: those within this long before the newest data."""
LATEST_ROWS = 20
REPORT_ROWS = 500
"""Rows of the report drawn on the page; the downloads have them all."""


class Synced(Protocol):
    """What the overview reads of a provider's status."""

    @property
    def enabled(self) -> bool: ...
    @property
    def last_success_at(self) -> datetime | None: ...
    @property
    def last_failure_at(self) -> datetime | None: ...
    @property
    def running_since(self) -> datetime | None: ...
    @property
    def version(self) -> int | None: ...


def change_cells(row: Any) -> tuple[Any, ...]:
    """A price change as the table of changes shows it: the report's cells for people,
    the direction it moved (a CSS class), and the row itself (for its links)."""
    return (*display_cells(row), direction(row), row)


def state_of(status: Synced) -> str:
    """A provider's state in a word: running, failing, ok, imported (versions stored by
    ``import`` only), never synced or disabled."""
    if status.running_since is not None:
        return "running"
    success, failure = status.last_success_at, status.last_failure_at
    if failure is not None and (success is None or failure > success):
        return "failing"
    if success is not None:
        return "ok"
    if status.version is not None:
        return "imported"
    return "never synced" if status.enabled else "disabled"


def overview(request: Request) -> Response:
    """Each provider's last sync, state, freshness and counts; the latest price changes."""
    site = site_of(request)
    report = api.status(site.db, site.settings)
    observed = [s.version_fetched_at for s in report.statuses if s.version_fetched_at]
    newest = max(observed, default=None)
    latest = []
    if newest is not None:
        changes = api.price_report(site.db, since=newest - LATEST_WINDOW)
        latest = [change_cells(r) for r in reversed(changes.rows[-LATEST_ROWS:])]
    providers = [(s, state_of(s), s.data_age(report.now)) for s in report.statuses]
    return page(
        site.templates,
        request,
        "overview.html",
        providers=providers,
        change_rows=latest,
        since=newest - LATEST_WINDOW if newest else None,
        now=report.now,
    )


def catalog(request: Request) -> Response:
    """A provider's current models and prices: searched, filtered, sorted, one page."""
    site = site_of(request)
    provider = provider_named(site, request.path_params["provider"])
    assert provider is not None  # a path parameter
    found = site.catalogs.current(site.db, site.settings, provider)
    query = CatalogQuery(
        q=params.text(request, "q"),
        category=params.text(request, "category"),
        price_type=params.text(request, "price_type"),
        currency=params.text(request, "currency"),
        sort=params.choice(request, "sort", list(SORTS)) or "model",
        descending=params.choice(request, "order", ("asc", "desc")) == "desc",
        page=params.whole(request, "page") or 1,
    )
    return page(
        site.templates,
        request,
        "catalog.html",
        provider=provider,
        query=query,
        result=catalog_page(found, query),
        sorts=list(SORTS),
        credits=CREDITS,
        now=datetime.now(UTC),
    )


def model(request: Request) -> Response:
    """A model: its prices over time as charts, its states, inputs, formats, attributes."""
    site = site_of(request)
    provider = provider_named(site, request.path_params["provider"])
    assert provider is not None  # a path parameter
    detail = api.model_detail(site.db, provider, request.path_params["model_id"])
    attributes = (
        [(name, dumps_canonical(value)) for name, value in sorted(detail.model.attributes.items())]
        if detail.model
        else []
    )
    return page(
        site.templates,
        request,
        "model.html",
        provider=provider,
        detail=detail,
        charts=price_charts(detail.series, detail.now),
        attributes=attributes,
        now=detail.now,
    )


def versions(request: Request) -> Response:
    """A provider's catalog versions, newest first, each with a link to its diff."""
    site = site_of(request)
    provider = provider_named(site, request.path_params["provider"])
    assert provider is not None  # a path parameter
    rows = list(reversed(api.versions(site.db, provider).rows))
    return page(
        site.templates,
        request,
        "versions.html",
        provider=provider,
        rows=rows,
        now=datetime.now(UTC),
    )


def diff(request: Request) -> Response:
    """What changed between two versions of a provider (default: the newest two)."""
    site = site_of(request)
    result = version_diff(site, request)
    numbers = [v.version for v in reversed(api.versions(site.db, result.provider).rows)]
    changed = [
        (m.model_id, [(c.field, value_text(c.old), value_text(c.new)) for c in m.changes])
        for m in result.diff.changed
    ]
    return page(
        site.templates,
        request,
        "diff.html",
        result=result,
        numbers=numbers,
        changed=changed,
        download=request.url.query,
        now=datetime.now(UTC),
    )


def report(request: Request) -> Response:
    """The price-change report: period, provider, model, kind, smallest move, order."""
    site = site_of(request)
    now = datetime.now(UTC)
    period = params.period_start(request, now)[0]
    found = report_filtered(site, request, now)
    rows = [change_cells(r) for r in found.rows[:REPORT_ROWS]]
    return page(
        site.templates,
        request,
        "report.html",
        report=found,
        change_rows=rows,
        shown=REPORT_ROWS,
        period=period,
        periods=list(params.PERIODS),
        providers=list(site.settings.providers),
        kinds=CHANGE_KINDS,
        sorts=REPORT_SORTS,
        form=dict(request.query_params),
        download=request.url.query,
        now=now,
    )


def report_filtered(site: Site, request: Request, now: datetime) -> PriceReport:
    """The report of the page's period, provider and model, narrowed by its ``change``,
    ``min_pct`` and ``first`` (first versions) and in its ``sort`` order: the library's
    options, so a download is the CLI's ``report prices`` with the same ones."""
    sort = params.choice(request, "sort", list(REPORT_SORTS)) or "time"
    options = report_filter.options(
        params.choice(request, "change", CHANGE_KINDS),
        params.percent(request, "min_pct"),
        sort,
        params.text(request, "first") is not None,
    )
    found = price_report(site, request, now, period=True, options=options)
    return report_filter.arrange(found, sort)
