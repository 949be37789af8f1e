"""``python -m catalogsync``: the same as the ``catalogsync`` command."""

from catalogsync.cli import main

raise SystemExit(main())
