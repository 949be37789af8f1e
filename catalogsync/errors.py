"""The whole exception tree of catalogsync.

Every error the package raises on purpose derives from ``CatalogSyncError``; ``cli``
is the only place that maps them to exit codes::

    CatalogSyncError
    ├── ConfigError                  bad settings or usage (exit 2)
    │   ├── NotFoundError            a named version or provider does not exist
    │   └── InvalidConfigError       the configuration file's problems, each on one line
    ├── DatabaseError                the database is unreachable or not migrated
    │   ├── SchemaNotReadyError      run `catalogsync db upgrade` first
    │   ├── NoDatabaseError          a SQLite file that does not exist (never created by a read)
    │   └── DatabaseAccessError      a connection or statement failed (what the database said)
    ├── ProviderError                anything that went wrong talking to a provider
    │   ├── TransientProviderError   timeouts, connection errors, 429, 5xx: worth a retry
    │   └── PermanentProviderError   other 4xx, bad key, Akool ``code`` != 1000
    │       └── AuthenticationError  401/403: the key is missing, wrong or revoked
    ├── PayloadError                 not a valid catalog (names provider and JSON path)
    ├── MassRemovalError             a catalog would remove too many current models
    ├── NoVersionYetError            a provider had no catalog version by the time asked for
    └── ImportOrderError             an import is older than the newest stored version

Messages are built in ``__init__`` from ids so that every raise site reads the same and
no secret can slip into a message by accident: provider errors never carry headers.
"""

from __future__ import annotations

from datetime import datetime


class CatalogSyncError(Exception):
    """Base of every error catalogsync raises on purpose."""


class ConfigError(CatalogSyncError):
    """The configuration or the command line is wrong."""


class NotFoundError(ConfigError):
    """The command line names something that does not exist (a version, a provider)."""


class InvalidConfigError(ConfigError):
    """The configuration file breaks its schema; ``problems`` names each file, section and key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        more = len(problems) - 1
        suffix = f" (and {more} more: see `catalogsync config check`)" if more else ""
        super().__init__(problems[0] + suffix)


class NoVersionYetError(CatalogSyncError):
    """A provider had no catalog version by ``at`` (exit 1: a fact, not a usage error)."""

    def __init__(self, provider: str, at: datetime, first: tuple[int, datetime] | None) -> None:
        self.provider = provider
        self.at = at
        when = at.isoformat().replace("+00:00", "Z")
        if first is None:
            tail = f"{provider} has no catalog versions yet: run `catalogsync sync`"
        else:
            observed = first[1].isoformat().replace("+00:00", "Z")
            tail = f"the first is version {first[0]} observed at {observed}"
        super().__init__(f"no version of {provider} before {when}; {tail}")


class DatabaseError(CatalogSyncError):
    """The database cannot be used."""


class SchemaNotReadyError(DatabaseError):
    """The database schema is missing, older than this catalogsync, or newer (``newer``:
    a revision this catalogsync does not know, written by a newer release)."""

    def __init__(self, current: str | None, head: str, *, newer: bool = False) -> None:
        self.current = current
        self.head = head
        self.newer = newer
        if newer:
            message = (
                f"the database is at schema revision {current}, newer than this catalogsync "
                f"knows (its newest is {head}): upgrade catalogsync"
            )
        else:
            state = "has no catalogsync schema" if current is None else f"is at revision {current}"
            message = (
                f"the database {state}, this catalogsync needs {head}: run `catalogsync db upgrade`"
            )
        super().__init__(message)


class NoDatabaseError(DatabaseError):
    """A command that only reads was pointed at a SQLite file that does not exist."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"no database at {path}; run `catalogsync db upgrade`, then `catalogsync sync`"
        )


class DatabaseAccessError(DatabaseError):
    """The database refused a connection or a statement; the message is what it said.

    The library raises it in place of SQLAlchemy's errors, so front ends handle one tree.
    """

    def __init__(self, exc: BaseException) -> None:
        super().__init__(database_message(exc))


def database_message(exc: BaseException) -> str:
    """The first line of what the database said (the driver's error under SQLAlchemy's)."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


class ProviderError(CatalogSyncError):
    """A provider could not be fetched.

    ``body`` is what an HTTP error response said (the start of it), kept for inspection
    with the failed run and never put in the message.
    """

    def __init__(self, provider: str, message: str, *, body: bytes | None = None) -> None:
        self.provider = provider
        self.body = body
        super().__init__(f"{provider}: {message}")


class TransientProviderError(ProviderError):
    """A failure that may go away on its own (timeout, connection error, 429, 5xx)."""

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        retry_after: float | None = None,
        body: bytes | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(provider, message, body=body)


class PermanentProviderError(ProviderError):
    """A failure that a retry will not fix (4xx other than 429, provider error codes)."""


class AuthenticationError(PermanentProviderError):
    """The provider refused the API key."""

    def __init__(self, provider: str, status_code: int, *, body: bytes | None = None) -> None:
        self.status_code = status_code
        super().__init__(
            provider,
            f"authentication failed (HTTP {status_code}): check the API key "
            "(the key itself is never printed)",
            body=body,
        )


class PayloadError(CatalogSyncError):
    """A payload does not validate; names the provider, the JSON path and what is wrong."""

    def __init__(
        self, provider: str, path: str, message: str, *, model_id: str | None = None
    ) -> None:
        self.provider = provider
        self.path = path
        self.reason = message
        self.model_id = model_id
        where = f"{path}: " if path else ""
        model = f" (model {model_id!r})" if model_id else ""
        super().__init__(f"{provider}: invalid payload{model}: {where}{message}")


class MassRemovalError(CatalogSyncError):
    """A new catalog would remove more than the allowed share of the current models."""

    def __init__(self, provider: str, removed: int, current: int, max_fraction: float) -> None:
        self.provider = provider
        self.removed = removed
        self.current = current
        self.max_fraction = max_fraction
        super().__init__(
            f"{provider}: refusing a catalog that removes {removed} of {current} current models "
            f"(more than {max_fraction:.0%}); pass --allow-mass-removal if this is intended"
        )


class ImportOrderError(CatalogSyncError):
    """An import is dated before the newest stored version of its provider."""

    def __init__(self, provider: str, observed_at: datetime, newest: datetime) -> None:
        self.provider = provider
        super().__init__(
            f"{provider}: cannot import a catalog observed at {observed_at.isoformat()}: "
            f"the newest stored version is from {newest.isoformat()}, and history is only "
            "appended; import archives oldest first"
        )
