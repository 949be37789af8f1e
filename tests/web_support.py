"""What the web front end's tests share: a small history with a hostile model id on two
providers, and the application served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal

import uvicorn
from sqlalchemy import Engine

from catalogsync.config import load_settings
from catalogsync.providers import default_base_urls
from catalogsync.web.app import create_app
from catalogsync.web.auth import Auth
from catalogsync.web.database import open_read_only
from tests.factories import akool_model, akool_payload, audioshake_model, audioshake_payload
from tests.helpers import store

HOSTILE = "<script>alert(1)</script>\"q'&"
"""A model id that must show as text on every page."""

AKOOL = [
    (
        0,
        akool_payload(
            akool_model("A", prices={"720p": 5, "1080p": 10}),
            akool_model("B", prices={"480p": 3}),
            akool_model(HOSTILE, prices={"720p": 7}),
        ),
    ),
    (
        40,
        akool_payload(
            akool_model("A", prices={"720p": 5, "1080p": 12, "4k": 20}),
            akool_model(HOSTILE, prices={"720p": 8}),
            akool_model("D", prices={"720p": 9}),
        ),
    ),
    (
        100,
        akool_payload(
            akool_model("A", prices={"720p": 4, "1080p": 12, "4k": 20}),
            akool_model("B", prices={"480p": Decimal("3.5")}),
            akool_model(HOSTILE, prices={"720p": Decimal("10.5")}),
            akool_model("D", prices={"720p": 9}),
        ),
    ),
]
AUDIOSHAKE = [
    (
        10,
        audioshake_payload(audioshake_model("vocals", price=2), audioshake_model("drums", price=1)),
    ),
    (
        70,
        audioshake_payload(
            audioshake_model("vocals", price=Decimal("2.5")),
            audioshake_model("drums", price=1),
            audioshake_model("bass", price=Decimal("1.25")),
        ),
    ),
]


def load_history(engine: Engine) -> None:
    """Import the versions above at their days (after ``tests.helpers.T0``)."""
    for provider, versions in (("akool", AKOOL), ("audioshake", AUDIOSHAKE)):
        for day, payload in versions:
            assert store(engine, provider, payload, day=day).status == "succeeded"


class LiveServer:
    """The web application over ``url`` (opened read-only), served by uvicorn in a thread."""

    def __init__(
        self, url: str, auth: Auth | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self.db = open_read_only(url)
        self.app_settings = load_settings(None, environ or {}, default_base_urls())
        config = uvicorn.Config(
            # The settings the CLI has with no configuration file: the same providers.
            create_app(self.db, self.app_settings, auth),
            host="127.0.0.1",
            port=0,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.db.close()


@contextmanager
def live_server(
    url: str, auth: Auth | None = None, environ: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """A started ``LiveServer`` (its settings from ``environ``), stopped afterwards."""
    server = LiveServer(url, auth, environ)
    server.start()
    try:
        yield server
    finally:
        server.stop()
