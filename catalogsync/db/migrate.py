"""Schema migrations: Alembic driven from code, so the installed command needs no alembic.ini.

Alembic is imported only to migrate. Every other command checks the schema by reading
``alembic_version`` against ``SCHEMA_REVISION``, the newest revision this release ships
(a test keeps it equal to the migration scripts' head): that keeps Alembic's import, a
sixth of a second, off the start-up of every ``sync`` from cron.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from catalogsync.errors import SchemaNotReadyError
from catalogsync.locks import schema_lock

if TYPE_CHECKING:
    from alembic.config import Config

SCHEMA_REVISION = "0009"
"""The newest migration; update it with every new file in migrations/versions/."""

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    """The migration scripts: inside the package when installed from a wheel, else the repo's."""
    for candidate in (_PACKAGE_DIR / "_migrations", _PACKAGE_DIR.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("catalogsync's migration scripts are missing from this installation")


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that runs on ``engine``'s database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def known_revisions() -> set[str]:
    """Every revision among the migration scripts of this catalogsync."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory(str(migrations_dir())).walk_revisions()}


def head_revision() -> str:
    """The newest revision among the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(migrations_dir())).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when it has no schema."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(revision) if revision is not None else None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to ``revision``; return the revisions before and after.

    One upgrade at a time: several hosts or pods starting together each run this, and
    the first migrates while the others wait, then find nothing left to do.
    """
    from alembic import command

    with schema_lock(engine):
        before = current_revision(engine)
        if before is not None and before not in known_revisions():
            raise SchemaNotReadyError(before, head_revision(), newer=True)
        command.upgrade(alembic_config(engine), revision)
        return before, current_revision(engine) or ""


def require_current_schema(engine: Engine) -> None:
    """Raise ``SchemaNotReadyError`` unless the database is at ``SCHEMA_REVISION``."""
    current = current_revision(engine)
    if current != SCHEMA_REVISION:
        newer = current is not None and current not in known_revisions()
        raise SchemaNotReadyError(current, SCHEMA_REVISION, newer=newer)
