"""The JSON API and the downloads: the library's documents written by the registry's
renderers, so each is byte for byte what the CLI prints for the same question
(``catalogsync models --format json`` and ``GET /api/models`` alike)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from catalogsync import api
from catalogsync.errors import DatabaseError, NotFoundError
from catalogsync.web import params
from catalogsync.web.pages import report_filtered
from catalogsync.web.site import (
    document_response,
    price_report,
    provider_named,
    site_of,
    version_diff,
)

DOWNLOAD_FORMATS = ("csv", "json")


def _download_format(request: Request) -> str:
    kind: str = request.path_params["format"]
    if kind not in DOWNLOAD_FORMATS:
        raise NotFoundError(f"no {kind!r} download: csv or json")
    return kind


def api_status(request: Request) -> Response:
    """``catalogsync status --format json``."""
    site = site_of(request)
    return document_response(api.status(site.db, site.settings), "json")


def api_versions(request: Request) -> Response:
    """``catalogsync versions [PROVIDER] --format json`` (``?provider=``)."""
    site = site_of(request)
    provider = provider_named(site, params.text(request, "provider"))
    return document_response(api.versions(site.db, provider), "json")


def api_models(request: Request) -> Response:
    """``catalogsync models [PROVIDER] [--as-of T] --format json`` (``?provider=&as_of=``)."""
    site = site_of(request)
    provider = provider_named(site, params.text(request, "provider"))
    as_of = params.timestamp(request, "as_of")
    return document_response(api.catalogs(site.db, site.settings, provider, as_of), "json")


def api_diff(request: Request) -> Response:
    """``catalogsync diff PROVIDER [--from N] [--to M] --format json``."""
    return document_response(version_diff(site_of(request), request), "json")


def api_report_prices(request: Request) -> Response:
    """``catalogsync report prices [--provider] [--model] [--since] [--until] --format json``."""
    site = site_of(request)
    return document_response(price_report(site, request, datetime.now(UTC)), "json")


def diff_download(request: Request) -> Response:
    """The diff page's download: ``diff.csv`` or ``diff.json``."""
    kind = _download_format(request)
    result = version_diff(site_of(request), request)
    name = f"{result.provider}-diff-{result.old.version if result.old else 0}-{result.new.version}"
    return document_response(result, kind, f"{name}.{kind}")


def report_download(request: Request) -> Response:
    """The report page's download (``report.csv``, ``report.json``), its filters applied."""
    kind = _download_format(request)
    site = site_of(request)
    found = report_filtered(site, request, datetime.now(UTC))
    return document_response(found, kind, f"price-changes.{kind}")


def feed(request: Request) -> Response:
    """``catalogsync feed [--provider P] [--since T]``: the Atom feed of change events."""
    site = site_of(request)
    provider = provider_named(site, params.text(request, "provider"))
    document = api.feed(site.db, provider, params.timestamp(request, "since"))
    return Response(document, media_type="application/atom+xml; charset=utf-8")


def healthz(request: Request) -> Response:
    """200 when the database answers with the schema this release needs, else 503."""
    try:
        api.check_schema(site_of(request).db)
    except DatabaseError:
        return PlainTextResponse("database unavailable\n", status_code=503)
    return PlainTextResponse("ok\n")
