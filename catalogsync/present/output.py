"""Writing a document: as one JSON document, or as rich renderables on a console.

JSON amounts are written as exact JSON numbers (``0.00000100000000000000015``, never a
rounded float), timestamps as ISO 8601 in UTC.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import IO, Any

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from catalogsync.codec import dumps_exact
from catalogsync.text import printable


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def dumps_json(value: Any, indent: int | None = 2) -> str:
    """Serialise ``value`` as JSON, keeping key order, with exact decimals and ISO times."""
    return dumps_exact(value, indent=indent, default=_encode)


def write_json(value: Any, out: IO[str]) -> None:
    """Write ``value`` as one JSON document."""
    out.write(dumps_json(value) + "\n")


def shorten(text: str, width: int) -> str:
    """``text``, cut to ``width`` characters with ``...`` when longer (tables; JSON has it all)."""
    return text if len(text) <= width else text[: width - 3] + "..."


def text(value: str, style: str = "") -> Text:
    """Text shown as it is: never read as rich markup, control characters escaped."""
    return Text(printable(value), style=style)


def add_row(table: Table, *cells: str | Text) -> None:
    """Add a row of cells; plain strings go through ``text`` (they may be provider text)."""
    table.add_row(*(cell if isinstance(cell, Text) else text(cell) for cell in cells))


def console(out: IO[str]) -> Console:
    """A rich console on ``out``: colours on a terminal, plain text through a pipe or a file."""
    return Console(file=out, soft_wrap=False, width=None if out.isatty() else 160)


def write_rich(out: IO[str], *renderables: RenderableType) -> None:
    """Print rich tables (or text) on ``out``, one after the other."""
    screen = console(out)
    for renderable in renderables:
        screen.print(renderable)
