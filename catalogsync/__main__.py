"""``python -m catalogsync``: the same as the ``catalogsync`` command."""

from catalogsync.cli import run

raise SystemExit(run())
