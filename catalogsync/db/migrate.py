"""Schema migrations: Alembic driven from code, so the installed command needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from catalogsync.errors import SchemaNotReadyError
from catalogsync.locks import schema_lock

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    """The migration scripts: inside the package when installed from a wheel, else the repo's."""
    for candidate in (_PACKAGE_DIR / "_migrations", _PACKAGE_DIR.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("catalogsync's migration scripts are missing from this installation")


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that runs on ``engine``'s database."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision this version of catalogsync knows."""
    script = ScriptDirectory(str(migrations_dir()))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when it has no schema."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to ``revision``; return the revisions before and after.

    One upgrade at a time: several hosts or pods starting together each run this, and
    the first migrates while the others wait, then find nothing left to do.
    """
    with schema_lock(engine):
        before = current_revision(engine)
        command.upgrade(alembic_config(engine), revision)
        return before, current_revision(engine) or ""


def require_current_schema(engine: Engine) -> None:
    """Raise ``SchemaNotReadyError`` unless the database is at the newest revision."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise SchemaNotReadyError(current, head)
