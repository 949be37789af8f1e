"""Jinja2 templates, autoescaped: every value a page shows is escaped unless it is markup
built here (the charts), and the filters that format amounts, times and links."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from catalogsync.codec import canonical_decimal
from catalogsync.durations import format_age
from catalogsync.text import printable

TEMPLATES = Path(__file__).parent / "templates"


def amount(value: Decimal | None) -> str:
    """An exact amount as written (``None``: a variable price)."""
    return "variable" if value is None else canonical_decimal(value)


def when(value: datetime | None) -> str:
    """A UTC time to the minute (``-`` for none)."""
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


def age(value: timedelta | None) -> str:
    """``4d 2h``, ``-`` for none."""
    return format_age(value)


def segment(value: str) -> str:
    """``value`` as one path segment (``/``, ``?``, ``#`` and quotes escaped)."""
    return quote(value, safe="")


def link(base: str, /, **params: Any) -> str:
    """``base`` with the non-empty ``params`` as its query string."""
    given = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(given)}" if given else base


def model_url(provider: str, model_id: str) -> str:
    """The page of one model."""
    return f"/models/{segment(provider)}/{segment(model_id)}"


def build_environment() -> jinja2.Environment:
    """The templates, with autoescaping on for every one of them."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        amount=amount, when=when, age=age, segment=segment, printable=printable
    )
    environment.globals.update(link=link, model_url=model_url)
    return environment


def page(
    environment: jinja2.Environment, request: Request, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """Template ``name`` rendered with ``context`` as an HTML response."""
    html = environment.get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code=status)
