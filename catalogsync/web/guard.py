"""What every response carries and every request must pass: the security headers, the
read-only methods, and the optional authentication (``auth.py``)."""

from __future__ import annotations

import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalogsync.web.auth import OPEN_PATHS, Auth

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
ALLOWED_METHODS = ("GET", "HEAD")


class Guard:
    """ASGI middleware: refuses writes (405) and unauthenticated requests (401), and adds
    ``SECURITY_HEADERS`` and the time taken (``Server-Timing``) to every response, errors
    included."""

    def __init__(self, app: ASGIApp, auth: Auth | None = None) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                # The time the app took to answer (Server-Timing, for browsers' dev tools
                # and benchmarks/web.py).
                elapsed = (time.perf_counter() - started) * 1000
                headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
            await send(message)

        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)

    def refusal(self, scope: Scope) -> Response | None:
        """405 for a method that writes, 401 without the credentials; ``None``: go on."""
        if scope["method"] not in ALLOWED_METHODS:
            return PlainTextResponse(
                "read-only: only GET and HEAD\n",
                status_code=405,
                headers={"Allow": ", ".join(ALLOWED_METHODS)},
            )
        if self.auth is None or scope["path"] in OPEN_PATHS:
            return None
        if self.auth.allows(Headers(scope=scope).get("authorization")):
            return None
        return PlainTextResponse(
            "authentication required\n",
            status_code=401,
            headers={"WWW-Authenticate": self.auth.challenge},
        )
