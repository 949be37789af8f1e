"""The query string: each parameter a page or the JSON API takes, checked, or a 400."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from starlette.requests import Request

from catalogsync.errors import CatalogSyncError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
MAX_VERSION = 2**31 - 1
PERIODS = {
    "all": None,
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "365d": timedelta(days=365),
}
DEFAULT_PERIOD = "90d"
"""The report page's period when none is asked for: recent changes, and a bounded query
(all of a long history is there, a choice away; see the README's web figures)."""


class BadRequestError(CatalogSyncError):
    """A query parameter that is not what it should be (400, naming it)."""


def text(request: Request, name: str, *, limit: int = 500) -> str | None:
    """A text parameter, ``None`` when missing or empty."""
    value = request.query_params.get(name, "").strip()
    if len(value) > limit:
        raise BadRequestError(f"{name} is too long (at most {limit} characters)")
    return value or None


def choice(request: Request, name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """One of ``choices``, ``None`` when missing."""
    value = text(request, name)
    if value is not None and value not in choices:
        raise BadRequestError(f"{name} must be one of {', '.join(choices)}")
    return value


def whole(request: Request, name: str, maximum: int = MAX_VERSION) -> int | None:
    """A whole number from 1 to ``maximum``, ``None`` when missing."""
    value = text(request, name)
    if value is None:
        return None
    if not value.isdigit() or len(value) > len(str(maximum)) or not 1 <= int(value) <= maximum:
        raise BadRequestError(f"{name} must be a whole number from 1 to {maximum}")
    return int(value)


def timestamp(request: Request, name: str) -> datetime | None:
    """An ISO 8601 date or time (UTC unless an offset is given), ``None`` when missing."""
    value = text(request, name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if parsed is None or not EARLIEST <= parsed < LATEST:
        raise BadRequestError(f"{name} must be an ISO 8601 date or time, e.g. 2026-01-31")
    return parsed


def percent(request: Request, name: str) -> Decimal | None:
    """A non-negative number of percent, ``None`` when missing."""
    value = text(request, name, limit=20)
    if value is None:
        return None
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        parsed = Decimal(-1)
    if not parsed.is_finite() or parsed < 0:
        raise BadRequestError(f"{name} must be a number of percent, 0 or more")
    return parsed


def period_start(request: Request, now: datetime) -> tuple[str, datetime | None]:
    """``period`` (``PERIODS``, default ``DEFAULT_PERIOD``) and the time it starts at; an
    explicit ``since`` wins over it."""
    period = choice(request, "period", list(PERIODS)) or DEFAULT_PERIOD
    since = timestamp(request, "since")
    if since is not None:
        return period, since
    length = PERIODS[period]
    return period, now - length if length else None
