"""What every request handler shares: the read-only database, the settings, the templates;
and the questions several pages ask the library the same way."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from catalogsync import api
from catalogsync.errors import ConfigError, NotFoundError
from catalogsync.present.registry import render
from catalogsync.web import params
from catalogsync.web.catalog_cache import CatalogCache

if TYPE_CHECKING:
    import jinja2

    from catalogsync.config import Settings
    from catalogsync.results import PriceReport, VersionDiff

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class Site:
    """The database (read-only), the settings (for the provider names), the templates,
    and each provider's current catalog as last loaded."""

    db: api.Database
    settings: Settings
    templates: jinja2.Environment
    catalogs: CatalogCache


def site_of(request: Request) -> Site:
    """The ``Site`` of the app serving ``request``."""
    site: Site = request.app.state.site
    return site


def provider_named(site: Site, name: str | None) -> str | None:
    """``name`` if it is a configured provider (``None`` stays ``None``), else a 404."""
    try:
        return api.installed_provider(site.settings, name)
    except ConfigError:
        raise NotFoundError(f"there is no provider {name!r}") from None


def document_response(document: object, format_name: str, filename: str | None = None) -> Response:
    """``document`` written by the registry's renderer, exactly as the CLI writes it;
    with ``filename``, as a download."""
    out = io.StringIO()
    render(document, format_name, out)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else None
    return Response(out.getvalue(), media_type=MEDIA_TYPES[format_name], headers=headers)


def price_report(
    site: Site,
    request: Request,
    now: datetime,
    *,
    period: bool = False,
    options: Mapping[str, Any] | None = None,
) -> PriceReport:
    """The report the query string asks for: ``provider``, ``model``, ``since``, ``until``
    (the CLI's options), with ``period`` the page's ``period`` choice too, and the
    library's other report ``options`` (``web.report_filter.options``)."""
    since = params.period_start(request, now)[1] if period else params.timestamp(request, "since")
    return api.price_report(
        site.db,
        provider=provider_named(site, params.text(request, "provider")),
        model=params.text(request, "model"),
        since=since,
        until=params.timestamp(request, "until"),
        **(options or {}),
    )


def version_diff(site: Site, request: Request) -> VersionDiff:
    """The diff of ``{provider}`` between ``from`` and ``to`` (default: the newest two)."""
    provider = provider_named(site, request.path_params["provider"])
    assert provider is not None  # a path parameter
    return api.diff(site.db, provider, params.whole(request, "from"), params.whole(request, "to"))
