"""Provider locks: at most one process syncs a provider at a time, across processes and hosts.

``provider_lock(engine, provider)`` is a context manager that yields whether the lock was
taken; it never waits. A process that does not get it skips the provider.

- PostgreSQL: a session-level advisory lock, ``pg_try_advisory_lock(namespace, key)``,
  on a connection of its own held for the whole sync. The key is derived stably from
  the provider's slug (crc32), so every process and every version of catalogsync agrees
  on it; the namespace keeps our keys apart from other applications' on the same
  server. If the process dies, the server ends its session and releases the lock.
- SQLite (one machine by nature): ``flock`` on a file beside the database,
  ``<database file>.<provider>.lock``. The kernel releases it when the process dies.
  The file is left in place: deleting a lock file lets two processes lock two files.
- ``sqlite:///:memory:``: a lock local to the process (no other process can see the
  database anyway).

``schema_lock`` uses the same machinery under a reserved name, waiting its turn, so that
``catalogsync db upgrade`` run by several hosts or pods at once migrates once.

A PostgreSQL lock can be lost while held: the server restarts, or an administrator ends
the session (``pg_terminate_backend``). ``held_provider_lock`` yields a ``HeldLock``
whose ``verify`` says so, and a sync calls it before committing: otherwise a second
process could take the lock and sync the same provider at the same time.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from catalogsync.db.session import sqlite_file
from catalogsync.errors import DatabaseError

log = logging.getLogger(__name__)


def _int32(value: int) -> int:
    """An unsigned 32-bit value as the signed ``int4`` PostgreSQL's advisory locks take."""
    return value - (1 << 32) if value >= (1 << 31) else value


LOCK_NAMESPACE = _int32(zlib.crc32(b"catalogsync.provider"))
"""First half of every provider's advisory lock key (``pg_locks.classid``)."""
SCHEMA_LOCK = "_schema"  # not a provider name: entry points name providers in lower case


def advisory_key(provider: str) -> tuple[int, int]:
    """The two ``int4`` halves of ``provider``'s PostgreSQL advisory lock key."""
    return LOCK_NAMESPACE, _int32(zlib.crc32(provider.encode()))


def lock_file(database: str, provider: str) -> Path:
    """The lock file of ``provider`` for the SQLite database file ``database``."""
    return Path(f"{database}.{provider}.lock")


class HeldLock:
    """A provider lock this process holds; ``verify`` checks that it still does."""

    def __init__(
        self, provider: str, conn: Connection | None = None, backend_pid: int | None = None
    ) -> None:
        self.provider = provider
        self._conn = conn
        self._backend_pid = backend_pid

    def verify(self) -> None:
        """Raise ``DatabaseError`` if the lock was lost with its PostgreSQL session.

        A file lock or an in-process lock lasts as long as the process: nothing to check.
        """
        if self._conn is None:
            return
        try:
            pid = self._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        except SQLAlchemyError as exc:
            reason = _first_line(exc)
        else:
            if pid == self._backend_pid:
                return
            reason = "the session was replaced"  # a reconnect: the old session is gone
        raise DatabaseError(
            f"lost the {self.provider} lock with its database session ({reason}); "
            f"another process may be syncing {self.provider} now, so nothing is stored"
        )


@contextmanager
def provider_lock(engine: Engine, provider: str) -> Iterator[bool]:
    """Try to take ``provider``'s lock without waiting; yield whether it was taken.

    Raises ``DatabaseError`` when the lock cannot even be tried (database unreachable,
    lock file not writable).
    """
    with held_provider_lock(engine, provider) as held:
        yield held is not None


@contextmanager
def held_provider_lock(engine: Engine, provider: str) -> Iterator[HeldLock | None]:
    """Like ``provider_lock``, but yield the ``HeldLock`` (or ``None`` when not taken)."""
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        with _advisory_lock(engine, provider) as held:
            yield held
        return
    database = sqlite_file(engine.url) if backend == "sqlite" else None
    if database is None:
        with _local_lock(f"{engine.url}:{provider}") as acquired:
            yield HeldLock(provider) if acquired else None
        return
    with _file_lock(lock_file(database, provider)) as acquired:
        yield HeldLock(provider) if acquired else None


@contextmanager
def schema_lock(engine: Engine, wait_seconds: float = 600.0) -> Iterator[None]:
    """Hold the right to migrate the schema, waiting up to ``wait_seconds`` for it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with provider_lock(engine, SCHEMA_LOCK) as acquired:
            if acquired:
                yield
                return
        if time.monotonic() > deadline:
            raise DatabaseError(
                f"another `catalogsync db upgrade` has been running for over {wait_seconds:g}s"
            )
        time.sleep(0.5)


@contextmanager
def _advisory_lock(engine: Engine, provider: str) -> Iterator[HeldLock | None]:
    namespace, key = advisory_key(provider)
    params = {"namespace": namespace, "key": key}
    try:
        # Autocommit: the lock belongs to the session, and an idle connection must not
        # sit "idle in transaction" for the whole sync.
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot connect to take the {provider} lock: {_first_line(exc)}"
        ) from exc
    try:
        try:
            taken, backend_pid = conn.execute(
                text("SELECT pg_try_advisory_lock(:namespace, :key), pg_backend_pid()"), params
            ).one()
            acquired = bool(taken)
        except SQLAlchemyError as exc:
            conn.invalidate()
            raise DatabaseError(f"cannot take the {provider} lock: {_first_line(exc)}") from exc
        try:
            yield HeldLock(provider, conn, int(backend_pid)) if acquired else None
        finally:
            if acquired:
                _advisory_unlock(conn, provider, params)
    finally:
        conn.close()


def _first_line(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    lines = str(original if original is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _advisory_unlock(conn: Connection, provider: str, params: dict[str, int]) -> None:
    try:
        released = conn.execute(
            text("SELECT pg_advisory_unlock(:namespace, :key)"), params
        ).scalar_one()
    except SQLAlchemyError:
        released = False
    if not released:
        # The session is in doubt: never hand it back to the pool still holding the
        # lock. Discarding the connection ends the session, which releases the lock.
        log.warning(
            "could not release the lock cleanly; dropping its connection",
            extra={"provider": provider},
        )
        conn.invalidate()


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DatabaseError(f"cannot open the lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        # Who holds it, for a person looking at a stuck lock; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def _local_lock(name: str) -> Iterator[bool]:
    with _local_guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
