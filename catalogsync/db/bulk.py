"""The bulk writer: rows into tables as fast as each database takes them.

SQLAlchemy's own executemany processes every parameter of every row in Python; here the
rows are turned into columns, only the columns whose type needs it are converted (by the
same bind processors SQLAlchemy would use), constants once, and the rows go to the
driver at once: one ``executemany`` on SQLite, one ``COPY`` per table on PostgreSQL,
written as COPY text a column at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from typing import Any, TypeVar

from sqlalchemy import Connection, Table

T = TypeVar("T")
CHUNK = 500  # ids per IN (...) list: well under SQLite's and psycopg's parameter limits

Batch = tuple[Table, Sequence[str], Sequence[tuple[Any, ...]]]
"""Rows to insert into a table: tuples of values in the order of the columns named."""


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``, for ``IN (...)`` lists."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, plus ``constants`` for every row)."""
    insert_all(conn, [(table, columns, rows)], constants)


def insert_all(
    conn: Connection, batches: Iterable[Batch], constants: Mapping[str, Any] | None = None
) -> None:
    """Insert each batch's rows, with ``constants`` added to every row.

    SQLAlchemy's own executemany processes every parameter of every row in Python; here
    the rows are turned into columns, only the columns whose type needs it are converted,
    constants once, and the rows go to the driver at once: ``executemany`` on SQLite,
    ``COPY`` on PostgreSQL. Values are converted by the same bind processors SQLAlchemy
    would use.

    On PostgreSQL a table's COPY is finished only once the next batch is produced (by a
    generator, say) and its first COPY text built: the server takes in the data already
    sent meanwhile, on its own core.
    """
    constants = constants or {}
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name != "postgresql":
        for table, columns, rows in batches:
            if rows:
                values, fixed = _bound(conn, table, columns, rows, constants)
                names = ", ".join(quote(name) for name in (*columns, *constants))
                marks = ", ".join("?" for _ in (*columns, *constants))
                conn.exec_driver_sql(
                    f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})",
                    list(zip(*values, *(repeat(v, len(rows)) for v in fixed), strict=False)),
                )
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, ExitStack() as previous:
        for table, columns, rows in batches:
            if not rows:
                continue
            values, fixed = _bound(conn, table, columns, rows, constants)
            chunks = (
                copy_text([column[start : start + COPY_BATCH] for column in values], fixed)
                for start in range(0, len(rows), COPY_BATCH)
            )
            first = next(chunks)
            previous.close()  # the previous table's COPY, which the server had meanwhile
            names = ", ".join(quote(name) for name in (*columns, *constants))
            copy = previous.enter_context(
                cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN")
            )
            copy.write(first)
            for chunk in chunks:
                copy.write(chunk)


def _bound(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: Mapping[str, Any],
) -> tuple[list[Sequence[Any]], tuple[Any, ...]]:
    """``rows`` as columns of values, and ``constants`` as a tuple, as bind processors
    make them."""
    fixed = tuple(_process(conn, table, name)(value) for name, value in constants.items())
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for index, name in enumerate(columns):
        convert = _processor(conn, table, name)
        if convert is not None:
            values[index] = [None if v is None else convert(v) for v in values[index]]
    return values, fixed


COPY_BATCH = 5000  # rows per write: the server parses one batch while the next is built

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def copy_text(columns: Sequence[Sequence[Any]], fixed: tuple[Any, ...] = ()) -> str:
    """Rows given as ``columns`` (equally long), each row followed by the ``fixed`` values,
    in COPY's text format: tab-separated, ``\\N`` for NULL, one row a line.

    Several times faster than psycopg's ``write_row``, which adapts every value in Python
    one by one: a column of strings without a tab, newline or backslash (checked at
    once) goes as it is, and the fixed values are written once. Values are those the
    bind processors produced: strings, integers, booleans, decimals and timezone-aware
    datetimes, each written as PostgreSQL reads it.
    """
    end = "".join("\t" + _copy_value(value) for value in fixed) + "\n"
    if not columns or not columns[0]:
        return ""
    return end.join(map("\t".join, zip(*map(_copy_column, columns), strict=True))) + end


_NEEDS_ESCAPE = re.compile(r"[\\\n\r\t]")


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """One column's values as COPY text, column at a time in the usual cases."""
    kinds = set(map(type, values))
    if kinds <= {str, type(None)}:
        if _NEEDS_ESCAPE.search("".join(filter(None, values))) is None:
            if type(None) in kinds:
                return ["\\N" if v is None else v for v in values]
            return values
    elif kinds <= {int, Decimal}:
        return list(map(str, values))
    return list(map(_copy_value, values))


def _copy_value(value: Any) -> str:
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(value) else value
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: catalogsync stores UTC times only")
        return value.isoformat()
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def _processor(conn: Connection, table: Table, name: str) -> Callable[[Any], Any] | None:
    """The dialect's bind processor of a column (``None`` when values go through as they are)."""
    process: Callable[[Any], Any] | None = (
        table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    )
    return process


def _process(conn: Connection, table: Table, name: str) -> Callable[[Any], Any]:
    process = _processor(conn, table, name)
    return (lambda value: value) if process is None else process
