"""The only API keys tests may use: distinctive, so that a leak is found by plain search.

Every test that sets a key (environment, key file, ``ProviderSettings``) takes it from
here; ``tests/secret_scan.py`` then looks for all of them in everything the suite prints,
logs and stores, and fails the test that let one out.
"""

from __future__ import annotations

KEYS = {
    "AUDIOSHAKE_API_KEY": "as_test_Zq81xTT4mWv2Lk9dQ",
    "AKOOL_API_KEY": "akool_test_P0w3rfulS3cret7Hq",
    "AURIKO_API_KEY": "ak_test_Y2s9Lw0qRt5Ne8JbX",
}
"""One key per provider, as the environment variables name them."""

ADAPTER_KEY = "adapter_test_Jx4Rf8Wp2Dm6Kc"
"""The key of the adapters' unit tests (``tests/providers``)."""

FILE_KEY = "keyfile_test_Mh3Vn7Bq1Ck5Tg"
"""A key read from an ``api_key_file``."""

ALL_KEYS: tuple[str, ...] = (*KEYS.values(), ADAPTER_KEY, FILE_KEY)
