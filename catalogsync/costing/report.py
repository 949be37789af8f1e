"""A usage log repriced as one document: the priced rows as a stream, then the totals.

``reprice`` opens nothing and reads nothing yet: the ``CostReport`` it returns holds a
generator, and whoever renders it pulls the rows through (reading, pricing and writing
one row at a time); ``totals`` is complete once the rows are exhausted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from catalogsync.costing.reprice import Totals, cost_of
from catalogsync.costing.results import CostReport
from catalogsync.costing.usage import read_usage
from catalogsync.database import Database


def reprice(
    db: Database,
    stream: Iterable[str],
    kind: str,
    *,
    group_by: str | None = None,
    ignore: Collection[str] = (),
) -> CostReport:
    """The usage log ``stream`` (``csv`` or ``jsonl``) repriced, as a streaming report.

    Reading it raises ``UsageFileError`` (a ``ConfigError``) at the first malformed line.
    """
    totals = Totals(group_by)
    rows = totals.counted(cost_of(db, read_usage(stream, kind, ignore)))
    return CostReport(rows, totals)
