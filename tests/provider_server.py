"""A local HTTP server on 127.0.0.1 that answers like providers' catalog endpoints.

Requests go to named endpoints by ``Route``: a path, and where one path serves several
lists, the query values that select one (Auriko's ``/v1/models?endpoint=responses`` is
endpoint ``auriko_responses``). The server starts with the routes of every registered
provider that has a fixture ``tests/fixtures/local_server/<provider>.json``::

    {"routes": [{"path": "/v1/models", "query": {"endpoint": "responses"},
                 "endpoint": "auriko_responses"}, ...],
     "catalog": {"auriko_responses": <payload>, ...}}

A fixture's optional ``"base_path"`` (``"/openai-compatible"``) is added to the base URL
the provider is pointed at, so that two providers asking for the same path
(``/v1/models``) reach different endpoints.

(``catalog`` is the small catalog ``tests.processes.serve_catalogs`` serves); a test adds
its own with ``server.route(...)``. Tests set what each endpoint returns
(``server.set_json(...)``), point ``CATALOGSYNC_<PROVIDER>_BASE_URL`` at ``server.url``
(``server.base_url_env()``), and read back the requests it saw.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from catalogsync.present.output import dumps_json
from catalogsync.providers import provider_classes

LOCAL_SERVER_FIXTURES = Path(__file__).parent / "fixtures" / "local_server"


@dataclass(frozen=True)
class Route:
    """Requests for ``path`` go to ``endpoint`` when they carry ``query``'s values.

    Only the query parameters that some route of the same path names select a route;
    any other parameter (Akool's ``types[]``) is ignored.
    """

    path: str
    endpoint: str
    query: tuple[tuple[str, str], ...] = ()


def provider_fixture(provider: str) -> dict[str, Any] | None:
    """``provider``'s local-server fixture (its routes and small catalog), if it has one."""
    path = LOCAL_SERVER_FIXTURES / f"{provider}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def provider_routes(provider: str) -> list[Route]:
    """The routes of ``provider``'s local-server fixture (none without one)."""
    fixture = provider_fixture(provider) or {"routes": []}
    return [
        Route(r["path"], r["endpoint"], tuple(r.get("query", {}).items()))
        for r in fixture["routes"]
    ]


def provider_base_path(provider: str) -> str:
    """The path the provider's base URL adds on this server (its fixture's ``base_path``)."""
    fixture = provider_fixture(provider) or {}
    return str(fixture.get("base_path", ""))


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow provider)


@dataclass
class SeenRequest:
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout, a response over its size cap) closes the
        # connection while a reply is written: expected here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ProviderServer:
    """Serves configurable replies per endpoint; records every request."""

    def __init__(self) -> None:
        self.routes: list[Route] = [
            route for name in provider_classes() for route in provider_routes(name)
        ]
        self.replies: dict[str, Reply] = {}
        self.requests: list[SeenRequest] = []
        self.queued: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def set_json(self, endpoint: str, payload: Any, status: int = 200, delay: float = 0.0) -> None:
        self.set_raw(endpoint, dumps_json(payload).encode(), status, delay=delay)

    def set_raw(
        self,
        endpoint: str,
        body: bytes,
        status: int = 200,
        content_type: str = "application/json",
        delay: float = 0.0,
    ) -> None:
        with self._lock:
            self.replies[endpoint] = Reply(status, body, content_type, delay=delay)
            self.queued.pop(endpoint, None)

    def queue(self, endpoint: str, *replies: Reply) -> None:
        """Answer the next requests to ``endpoint`` with ``replies``, then as set before."""
        with self._lock:
            self.queued.setdefault(endpoint, []).extend(replies)

    def route(self, path: str, endpoint: str, query: Mapping[str, str] | None = None) -> None:
        """Send requests for ``path`` (carrying ``query``'s values) to ``endpoint``."""
        with self._lock:
            self.routes.append(Route(path, endpoint, tuple((query or {}).items())))

    def endpoint_for(self, path: str, query: Sequence[tuple[str, str]]) -> str | None:
        """The endpoint a request is routed to; the route added last wins."""
        with self._lock:
            routes = [r for r in self.routes if r.path == path]
        selecting = {name for route in routes for name, _ in route.query}
        selector = sorted(q for q in query if q[0] in selecting)
        return next((r.endpoint for r in reversed(routes) if sorted(r.query) == selector), None)

    def base_url_env(self) -> dict[str, str]:
        """The environment that points every registered provider at this server."""
        return {
            f"CATALOGSYNC_{name.upper().replace('-', '_')}_BASE_URL": self.url
            + provider_base_path(name)
            for name in provider_classes()
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qsl(parts.query, keep_blank_values=True)
                endpoint = server.endpoint_for(parts.path, query) or ""
                with server._lock:
                    server.requests.append(SeenRequest(parts.path, query, dict(self.headers)))
                    queued = server.queued.get(endpoint)
                    reply = queued.pop(0) if queued else server.replies.get(endpoint)
                if reply is None:
                    reply = Reply(404, b'{"error": "not found"}')
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
