"""A webhook receiver for tests: a real HTTP server on 127.0.0.1, in a thread.

It records every POST (path, headers, body) and answers from a script of responses
(``answer``), then with its default (200). ``stop`` frees the port, so that deliveries
meet a refused connection; ``start`` again on the same port brings it back.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def delivery(self) -> str:
        return self.headers["x-catalogsync-delivery"]


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        """Answer the next request so (answers queue up); ``{path}`` in ``body`` echoes the
        request's path."""
        self.script.append((status, headers, body))

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status, headers, answer = (
                        receiver.script.pop(0) if receiver.script else (200, {}, b"ok")
                    )
                answer = answer.replace(b"{path}", self.path.encode())  # an echo
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the path holds the channel's URL token: never printed

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = None

    def for_channel(self, name: str) -> list[Received]:
        return [r for r in self.received if f"/hooks/{name}/" in r.path]
