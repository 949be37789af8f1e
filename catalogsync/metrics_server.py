"""The daemon's HTTP endpoint: ``/metrics`` for Prometheus, ``/healthz`` for probes.

``/healthz`` answers 200 ``ok`` while the scheduler runs and 503 with the reason
otherwise (starting, stopping, the scheduler's thread gone); any other path serves the
metrics, as prometheus_client does.

A port that another process holds is not a configuration error: the holder may be
the previous instance still shutting down (a restart) or a probe of a sidecar. The
daemon logs it, goes on running the schedule, and retries the port with backoff until
it binds. Any other failure to bind (no such address, a privileged port) is a
``ConfigError`` at start, as before.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from catalogsync.errors import ConfigError

log = logging.getLogger(__name__)

Health = Callable[[], str | None]
"""What is wrong with the daemon, or ``None`` when it is healthy."""

RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""Seconds between attempts to bind a busy port; the last repeats."""


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a hung scrape never holds up the exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: Prometheus scrapes every few seconds."""


def build_app(registry: CollectorRegistry, health: Health) -> Callable[..., Iterable[bytes]]:
    """The WSGI application: ``/healthz``, else the metrics of ``registry``."""
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            problem = health()
            status = "200 OK" if problem is None else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n" if problem is None else f"unhealthy: {problem}\n".encode()]
        result: Iterable[bytes] = metrics(environ, start_response)
        return result

    return app


class MetricsServer:
    """``/metrics`` and ``/healthz``, served from threads of their own."""

    def __init__(
        self,
        registry: CollectorRegistry,
        port: int,
        host: str,
        health: Health,
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.host = host
        self.port = port
        self._app = build_app(registry, health)
        self._delays = retry_delays
        self._server: WSGIServer | None = None
        self._serving: threading.Thread | None = None
        self._retrying: threading.Thread | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Where the metrics are served (the bound port once bound)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    @property
    def bound(self) -> bool:
        """Whether the port is bound and served."""
        return self._server is not None

    def start(self) -> None:
        """Bind and serve now, or, when the port is busy, keep retrying in the background.

        Raises ``ConfigError`` when the address cannot be bound for any other reason.
        """
        try:
            self._bind()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ConfigError(
                    f"cannot serve metrics on {self.host}:{self.port}: {exc.strerror or exc}"
                ) from None
            self._retrying = threading.Thread(target=self._retry, name="metrics-bind", daemon=True)
            self._retrying.start()

    def _bind(self) -> None:
        family = socket.getaddrinfo(
            self.host, self.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0][0]
        server_class = type("_FamilyServer", (_Server,), {"address_family": family})
        server: WSGIServer = make_server(
            self.host, self.port, self._app, server_class, handler_class=_QuietHandler
        )
        with self._lock:
            if self._closed.is_set():
                server.server_close()
                return
            self._server = server
            self.port = int(server.server_port)
            self._serving = threading.Thread(
                target=server.serve_forever, name="metrics", daemon=True
            )
            self._serving.start()
        log.info("serving metrics at %s (health at /healthz)", self.url)

    def _retry(self) -> None:
        attempt = 0
        while not self._closed.is_set():
            delay = self._delays[min(attempt, len(self._delays) - 1)]
            log.warning(
                "cannot serve metrics on %s:%d: the port is in use; retrying in %gs "
                "(the schedule runs meanwhile)",
                self.host,
                self.port,
                delay,
            )
            if self._closed.wait(delay):
                return
            attempt += 1
            try:
                self._bind()
                return
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    log.error(
                        "cannot serve metrics on %s:%d: %s; giving up (the schedule still runs)",
                        self.host,
                        self.port,
                        exc.strerror or exc,
                    )
                    return

    def close(self) -> None:
        """Stop serving (and retrying)."""
        with self._lock:
            self._closed.set()
            server, self._server = self._server, None
        if self._retrying is not None:
            self._retrying.join(timeout=5)
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._serving is not None:
            self._serving.join(timeout=5)
