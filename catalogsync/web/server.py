"""Running the web application under uvicorn: where it binds, and the warning when it is
exposed without authentication."""

from __future__ import annotations

import ipaddress
import logging

import uvicorn

from catalogsync import api
from catalogsync.config import Settings
from catalogsync.web.app import create_app
from catalogsync.web.auth import Auth

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    db: api.Database,
    settings: Settings,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    auth: Auth | None = None,
) -> None:
    """Serve the pages on ``host``:``port`` until SIGINT or SIGTERM."""
    if auth is None and not is_loopback(host):
        logger.warning(
            "serving on %s without authentication: anyone who can reach it can read the "
            "catalog history; set CATALOGSYNC_WEB_TOKEN (or CATALOGSYNC_WEB_USER and "
            "CATALOGSYNC_WEB_PASSWORD)",
            host,
        )
    logger.info("serving the catalog history on http://%s:%d/ (read-only)", host, port)
    config = uvicorn.Config(
        create_app(db, settings, auth),
        host=host,
        port=port,
        server_header=False,
        proxy_headers=False,
        log_config=None,  # keep catalogsync's own log format (--log-format)
        access_log=True,
    )
    uvicorn.Server(config).run()
