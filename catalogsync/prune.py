"""Housekeeping of sync runs: ``catalogsync runs prune --older-than 90d``.

A daemon syncing a few providers hourly records tens of thousands of runs a year, and a
failed run keeps the payload it received. Pruning deletes the runs that began before
the cutoff, except:

- every run that produced a catalog version (``succeeded`` with a version): the
  history's own record of where each version came from;
- the latest run of each status per provider (the last success, the last failure and
  its error, the last ``unchanged``...), which ``status`` and ``runs list`` report;
- runs still ``running`` (the next sync marks a dead one ``abandoned``).

Failed payloads that no remaining run points at are deleted with them. Each provider is
pruned in one transaction under its lock, so a sync of that provider cannot be pointing
a new run at a payload being deleted; a provider whose lock is held is skipped (prune
it next time). A dry run does the same deletes and rolls them back, so its counts are
exactly those of the real run. History tables (catalog versions, models, prices) are
never touched.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, exists, func, not_, or_, select

from catalogsync.database import Database, database_boundary
from catalogsync.db import models as t
from catalogsync.locks import held_provider_lock
from catalogsync.results import PrunedProvider, PruneReport

log = logging.getLogger(__name__)

RUNS = t.sync_runs
PAYLOADS = t.failed_payloads
PROVIDERS = t.providers


@database_boundary
def prune_runs(
    db: Database, older_than: timedelta, *, dry_run: bool = False, now: datetime | None = None
) -> PruneReport:
    """Delete the runs begun more than ``older_than`` ago that nothing needs; see the module."""
    cutoff = (now or datetime.now(UTC)) - older_than
    with db.engine.connect() as conn:
        providers = conn.execute(select(PROVIDERS.c.id, PROVIDERS.c.slug).order_by("slug")).all()
    return PruneReport(
        cutoff,
        dry_run,
        [_prune_provider(db.engine, pid, slug, cutoff, dry_run) for pid, slug in providers],
    )


def _prune_provider(
    engine: Engine, provider_id: int, slug: str, cutoff: datetime, dry_run: bool
) -> PrunedProvider:
    with held_provider_lock(engine, slug) as lock:
        if lock is None:
            log.warning("not pruned: another process holds its lock", extra={"provider": slug})
            return PrunedProvider(slug, "skipped")
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                result = _delete(conn, provider_id, slug, cutoff, dry_run)
                lock.verify()  # a lost lock: a sync may be writing; keep nothing
            except BaseException:
                transaction.rollback()
                raise
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()
    log.info(
        "%s %d runs (%d old ones kept), %d failed payloads",
        "would delete" if dry_run else "deleted",
        result.runs_deleted,
        result.runs_kept,
        result.payloads_deleted,
        extra={"provider": slug},
    )
    return result


def _delete(
    conn: Connection, provider_id: int, slug: str, cutoff: datetime, dry_run: bool
) -> PrunedProvider:
    latest = (
        select(func.max(RUNS.c.id)).where(RUNS.c.provider_id == provider_id).group_by(RUNS.c.status)
    )
    old = and_(RUNS.c.provider_id == provider_id, RUNS.c.started_at < cutoff)
    needed = or_(
        RUNS.c.status == "running",
        and_(RUNS.c.status == "succeeded", RUNS.c.catalog_version_id.is_not(None)),
        RUNS.c.id.in_(latest),
    )
    old_runs = conn.execute(select(func.count()).select_from(RUNS).where(old)).scalar_one()
    deleted = conn.execute(delete(RUNS).where(old, not_(needed))).rowcount
    referenced = exists().where(RUNS.c.failed_payload_id == PAYLOADS.c.id)
    payloads = conn.execute(
        delete(PAYLOADS).where(PAYLOADS.c.provider_id == provider_id, not_(referenced))
    ).rowcount
    return PrunedProvider(
        slug,
        "would prune" if dry_run else "pruned",
        runs_deleted=deleted,
        runs_kept=old_runs - deleted,
        payloads_deleted=payloads,
    )
