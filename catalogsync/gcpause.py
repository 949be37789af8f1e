"""Pausing Python's cycle collector while a catalog is parsed and stored (sync, rebuild)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a catalog is parsed and stored.

    A catalog is millions of small objects and no reference cycles: reference counting
    frees all of it, while the collector, triggered every few hundred allocations,
    re-scans the growing heap each time (the README's performance section has the
    figures). It is switched back on afterwards.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
