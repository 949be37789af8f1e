"""The only API keys tests may use: distinctive, so that a leak is found by plain search.

Every provider the registry holds (``catalogsync.providers.provider_classes()``) has a key
of its own, derived from its name by ``api_key``; ``KEYS`` maps each one's environment
variable (``AKOOL_API_KEY``) to it, for the providers registered when it is read, so a
fourth provider, installed or registered by a test, has a key without an edit here.

Every test that sets a key (environment, key file, ``ProviderSettings``) takes it from
here; ``tests/secret_scan.py`` then looks for all of them (``known_keys``: every key this
module ever handed out) in everything the suite prints, logs and stores, and fails the
test that let one out.

A provider *instance* (``[providers.groq-eu] adapter = ...``) is named in configuration,
not registered: ``instance_keys("groq-eu", ...)`` hands out its key the same way, by the
variable its name gives (``GROQ_EU_API_KEY``), and the scan knows it from then on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from functools import cache

from catalogsync.providers import provider_classes

ADAPTER_KEY = "adapter_test_Jx4Rf8Wp2Dm6Kc"
"""The key of the adapters' unit tests (``tests/providers``)."""

FILE_KEY = "keyfile_test_Mh3Vn7Bq1Ck5Tg"
"""A key read from an ``api_key_file``."""

URL_PASSWORD = "urlpass_test_Qe5Zt1Ls9Xa3"
"""A password inside a URL (``https://user:PASSWORD@host``): a secret like a key."""

KEY_LINE = "ctrlkey_test_Wd4Nh8Rj2Fs6"
KEY_WITH_NEWLINE = KEY_LINE + "\nX-Injected: ctrlkey_test_Pb3Ty7Gc1Mz5"
"""A key holding a newline (a header injection): refused at load. The scan looks for its
first line too, which is what a leak through a header or a log line would show."""

NOTIFY_SECRET = "hooksecret_test_Vr6Kp2Xw9Lc4"
"""The signing secret of a notification channel (``CATALOGSYNC_NOTIFY_<NAME>_SECRET``)."""

NOTIFY_URL_TOKEN = "hookurl_test_Ty8Qm3Jd5Rb1"
"""The secret part of a notification channel's URL (a Slack webhook URL is a credential):
tests put it in the path of their receiver's URL (``notify_url``)."""

_HANDED_OUT: dict[str, str] = {
    ADAPTER_KEY: "ADAPTER_KEY",
    FILE_KEY: "FILE_KEY",
    URL_PASSWORD: "URL_PASSWORD",
    KEY_WITH_NEWLINE: "KEY_WITH_NEWLINE",
    KEY_LINE: "KEY_WITH_NEWLINE's first line",
    NOTIFY_SECRET: "NOTIFY_SECRET",
    NOTIFY_URL_TOKEN: "NOTIFY_URL_TOKEN",
}
"""Every key this module produced so far, with the label a leak report names it by."""


def key_env(provider: str) -> str:
    """The environment variable of ``provider``'s key, as the README names it: ``AKOOL_API_KEY``,
    upper case with dashes as underscores (``groq-eu``: ``GROQ_EU_API_KEY``)."""
    return f"{provider.upper().replace('-', '_')}_API_KEY"


@cache
def api_key(provider: str) -> str:
    """The test key of ``provider``: its name, ``_test_`` and 20 hex digits of a hash of it.

    The same in every run (a failure can be repeated), different for every provider, and
    far longer than the shortest secret the package redacts.
    """
    digest = hashlib.sha256(f"catalogsync test key for {provider}".encode()).hexdigest()
    key = f"{provider}_test_{digest[:20]}"
    _HANDED_OUT.setdefault(key, f"KEYS[{key_env(provider)!r}]")
    return key


class _RegisteredKeys(Mapping[str, str]):
    """``{"AKOOL_API_KEY": api_key("akool"), ...}`` for the providers registered when read."""

    def __getitem__(self, env: str) -> str:
        for name in provider_classes():
            if key_env(name) == env:
                return api_key(name)
        raise KeyError(env)

    def __iter__(self) -> Iterator[str]:
        return iter([key_env(name) for name in provider_classes()])

    def __len__(self) -> int:
        return len(provider_classes())

    def __repr__(self) -> str:
        return f"KEYS({', '.join(self)})"  # names only: a repr may end up in a report


def instance_keys(*providers: str) -> dict[str, str]:
    """``{"GROQ_EU_API_KEY": api_key("groq-eu"), ...}``: keys of configured instances."""
    return {key_env(name): api_key(name) for name in providers}


KEYS: Mapping[str, str] = _RegisteredKeys()
"""One key per registered provider, by the environment variable that holds it."""


def known_keys() -> dict[str, str]:
    """Every test key, the registered providers' included, with its label (``KEYS['X_API_KEY']``)."""
    for name in provider_classes():
        api_key(name)
    return dict(_HANDED_OUT)


def notify_url(base: str, channel: str) -> str:
    """A channel's webhook URL at a local receiver: its path holds ``NOTIFY_URL_TOKEN``."""
    return f"{base}/hooks/{channel}/{NOTIFY_URL_TOKEN}"
