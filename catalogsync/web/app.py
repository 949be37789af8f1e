"""The web application: its routes, in one list, and the factory that builds it.

Every route is a GET (``guard.py`` answers anything else with 405); handlers are plain
functions, which Starlette runs in its thread pool, since the library is synchronous.
Adding a page is one line in ``ROUTES``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from catalogsync import api
from catalogsync.config import Settings
from catalogsync.errors import ConfigError, DatabaseError, NotFoundError
from catalogsync.web import documents, pages
from catalogsync.web.auth import Auth
from catalogsync.web.catalog_cache import CatalogCache
from catalogsync.web.guard import Guard
from catalogsync.web.params import BadRequestError
from catalogsync.web.site import Site, site_of
from catalogsync.web.templating import build_environment, page

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"

ROUTES: list[BaseRoute] = [
    Route("/", pages.overview),
    Route("/providers/{provider}", pages.catalog),
    Route("/providers/{provider}/versions", pages.versions),
    Route("/providers/{provider}/diff", pages.diff),
    Route("/providers/{provider}/diff.{format:str}", documents.diff_download),
    Route("/models/{provider}/{model_id:path}", pages.model),
    Route("/report", pages.report),
    Route("/report.{format:str}", documents.report_download),
    Route("/feed.atom", documents.feed),
    Route("/healthz", documents.healthz),
    Route("/api/status", documents.api_status),
    Route("/api/versions", documents.api_versions),
    Route("/api/models", documents.api_models),
    Route("/api/diff/{provider}", documents.api_diff),
    Route("/api/report/prices", documents.api_report_prices),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    site = site_of(request)
    return page(site.templates, request, "error.html", status, code=status, message=message)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, str(exc))


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    # What the database said stays in the log: it may name hosts and users.
    logger.error("database error on %s: %s", request.url.path, exc)
    return _error(request, 503, "the database is unavailable")


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, exc.detail)


async def _internal(request: Request, exc: Exception) -> Response:
    logger.exception("error on %s", request.url.path, exc_info=exc)
    return _error(request, 500, "internal error")


def create_app(db: api.Database, settings: Settings, auth: Auth | None = None) -> Starlette:
    """The web application over ``db`` (open it read-only: ``web.database.open_read_only``)."""
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(Guard, auth=auth)],
        exception_handlers={
            NotFoundError: _not_found,
            ConfigError: _bad_request,
            BadRequestError: _bad_request,
            DatabaseError: _unavailable,
            HTTPException: _http,
            Exception: _internal,
        },
    )
    app.state.site = Site(db, settings, build_environment(), CatalogCache())
    return app
