"""Record each provider's real catalog payload, verbatim, as a test fixture.

Run by hand, never in tests; it talks to the real APIs::

    AUDIOSHAKE_API_KEY=... AKOOL_API_KEY=... AURIKO_API_KEY=... \\
        .venv/bin/python ops/record_fixtures.py [PROVIDER ...]

Keys come from the environment only (``<PROVIDER>_API_KEY``; a public catalog such as
litellm's needs none), base URLs from
``CATALOGSYNC_<PROVIDER>_BASE_URL`` or the adapter's default. Each payload is written,
exactly as the adapter's ``fetch`` returned it, to
``tests/fixtures/providers/<provider>/recorded.json``, then parsed once as a check. Look
the file over before committing it: a payload can hold account details.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from catalogsync.config import ProviderSettings, api_key_env, base_url_env
from catalogsync.errors import CatalogSyncError, PayloadError
from catalogsync.http import build_client
from catalogsync.payloads import Secret
from catalogsync.providers import needs_key, provider_classes

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "providers"


def record(name: str, out_dir: Path) -> str:
    """Fetch ``name``'s catalog, write it to ``out_dir/<name>/recorded.json``; return a summary."""
    cls = provider_classes()[name]
    key = os.environ.get(api_key_env(name), "").strip()
    if not key and needs_key(cls):
        return f"skipped: set {api_key_env(name)}"
    settings = ProviderSettings(
        name=name,
        base_url=os.environ.get(base_url_env(name)) or cls.default_base_url,
        api_key=Secret(key) if key else None,
    )
    with build_client(settings) as client:
        raw = cls(settings).fetch(client)
    path = out_dir / name / "recorded.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    try:
        catalog = cls(settings).parse(raw)
    except PayloadError as exc:
        raise PayloadError(name, exc.path, f"{exc.reason} (recorded anyway to {path})") from None
    return f"{len(raw)} bytes, {len(catalog.models)} models -> {path}"


def main(argv: list[str] | None = None) -> int:
    """Record the named providers (default: all installed); exit 1 if any failed."""
    names = sorted(provider_classes())
    parser = argparse.ArgumentParser(description="Record providers' real payloads as fixtures.")
    parser.add_argument("providers", nargs="*", metavar="PROVIDER", help=f"one of {names}")
    parser.add_argument("--out", type=Path, default=FIXTURES, help="fixtures directory")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.providers) - set(names))
    if unknown:
        parser.error(f"unknown provider(s): {', '.join(unknown)}; installed: {', '.join(names)}")
    failed = False
    for name in args.providers or names:
        try:
            summary = record(name, args.out)
        except CatalogSyncError as exc:
            summary = f"failed: {exc}"
            failed = True
        print(f"{name}: {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
