"""``catalogsync serve``: the read-only web page and JSON API (the ``web`` extra)."""

from __future__ import annotations

import argparse
import importlib.util
import os
from typing import Any

from catalogsync.cli.commands import App
from catalogsync.errors import ConfigError

WEB_PACKAGES = ("starlette", "uvicorn", "jinja2")
INSTALL_HINT = "pip install 'catalogsync[web]'"


def cmd_serve(app: App, args: argparse.Namespace) -> int:
    missing = [name for name in WEB_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"serve needs the web extra ({', '.join(missing)} missing): {INSTALL_HINT}"
        )
    from catalogsync import api
    from catalogsync.web.auth import auth_from_environ
    from catalogsync.web.database import open_read_only
    from catalogsync.web.server import serve

    auth = auth_from_environ(os.environ)
    db = open_read_only(app.args.database_url or app.settings.database_url)
    try:
        api.check_schema(db)
        serve(db, app.settings, host=args.host, port=args.port, auth=auth)
    finally:
        db.close()
    return 0


def register(commands: Any, add: Any) -> None:
    """Declare ``serve`` among ``commands`` (``add`` is ``build_parser``'s helper)."""
    from catalogsync.cli.parser import parse_port

    serve = add(
        commands,
        "serve",
        cmd_serve,
        "serve a read-only web page and JSON API over the database (127.0.0.1 by default)",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="address to bind (default 127.0.0.1; another exposes it: set authentication)",
    )
    serve.add_argument(
        "--port", type=parse_port, default=8000, metavar="N", help="port (default 8000)"
    )
