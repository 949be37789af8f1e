"""The end of each command's ``--help``: examples, the environment it reads, its exit codes.

One entry per command, keyed by its words after ``catalogsync`` (``runs list``); the
``add`` helper of ``parser.build_parser`` attaches it as the parser's epilog. A command
without an entry fails ``tests/test_cli.py``: a new command adds its text here.
"""

from __future__ import annotations

import argparse

CONFIG_ENV = (
    ("CATALOGSYNC_CONFIG", "the configuration file (default: ./catalogsync.toml)"),
    ("CATALOGSYNC_DATABASE_URL", "the database (default: sqlite:///catalogsync.db)"),
)
PROVIDER_ENV = (
    ("<NAME>_API_KEY", "a provider's key (AKOOL_API_KEY...), or [providers.NAME] api_key_file"),
    ("CATALOGSYNC_<NAME>_BASE_URL", "a provider's base URL"),
)
NOTIFY_ENV = (
    ("CATALOGSYNC_NOTIFY_<NAME>_URL", "a channel's URL (or [notify.NAME] url_file)"),
    ("CATALOGSYNC_NOTIFY_<NAME>_SECRET", "a webhook channel's signing secret (or secret_file)"),
)
READ_EXITS = (
    (0, "done"),
    (1, "the database failed"),
    (2, "usage or configuration error, no database there, or one that needs `db upgrade`"),
)
SYNC_EXITS = (
    (0, "every provider succeeded or was unchanged"),
    (1, "at least one provider failed (the others still ran), or the database failed"),
    (2, "usage or configuration error, or a database that needs `db upgrade`"),
)


def epilog(
    examples: tuple[str, ...],
    environment: tuple[tuple[str, str], ...] = CONFIG_ENV,
    exits: tuple[tuple[int, str], ...] = READ_EXITS,
) -> str:
    """The three parts, laid out for ``RawDescriptionHelpFormatter``."""
    width = max(len(name) for name, _ in environment)
    return "\n".join(
        [
            "examples:",
            *(f"  {line}" for line in examples),
            "",
            "environment:",
            *(f"  {name:<{width}}  {text}" for name, text in environment),
            "",
            "exit codes:",
            *(f"  {code}  {text}" for code, text in exits),
        ]
    )


EPILOGS: dict[str, str] = {
    "db upgrade": epilog(
        (
            "catalogsync db upgrade",
            "CATALOGSYNC_DATABASE_URL=postgresql://catalogsync@db/catalogsync "
            "catalogsync db upgrade",
        ),
        exits=((0, "the schema is current"), (1, "the database failed"), (2, "usage error")),
    ),
    "sync": epilog(
        ("catalogsync sync", "catalogsync sync akool auriko --format json"),
        CONFIG_ENV + PROVIDER_ENV,
        SYNC_EXITS,
    ),
    "import": epilog(
        ("catalogsync import auriko saved.json --observed-at 2026-03-01T00:00:00Z",),
        CONFIG_ENV,
        SYNC_EXITS,
    ),
    "rebuild": epilog(
        ("catalogsync rebuild --dry-run", "catalogsync rebuild akool"),
        CONFIG_ENV,
        SYNC_EXITS,
    ),
    "versions": epilog(("catalogsync versions", "catalogsync versions akool --format json")),
    "models": epilog(
        ("catalogsync models akool", "catalogsync models akool --as-of 2026-03-01"),
        exits=(
            (0, "done"),
            (1, "no version of the provider by --as-of, or the database failed"),
            READ_EXITS[2],
        ),
    ),
    "diff": epilog(
        (
            "catalogsync diff akool",
            "catalogsync diff akool --from 3 --to 7 --format json",
            "catalogsync diff akool --at 2026-03-01 --at 2026-04-01",
        )
    ),
    "report prices": epilog(
        (
            "catalogsync report prices --since 2026-01-01",
            "catalogsync report prices --provider akool --format html --output prices.html",
        )
    ),
    "demo": epilog(
        ("catalogsync demo", "export CATALOGSYNC_DATABASE_URL=sqlite:///catalogsync-demo.db"),
        (("CATALOGSYNC_CONFIG", "the configuration file (its providers are demoed)"),),
        ((0, "every sample synced"), (1, "a sample failed"), (2, "usage error")),
    ),
    "daemon": epilog(
        ("catalogsync daemon", "catalogsync daemon --metrics-port 9464 --log-format json"),
        CONFIG_ENV + PROVIDER_ENV,
        (
            (0, "stopped by SIGTERM or SIGINT"),
            (1, "the database failed"),
            (2, "usage or configuration error, or a database that needs `db upgrade`"),
        ),
    ),
    "status": epilog(
        ("catalogsync status", "catalogsync status --max-age 3h --verbose"),
        exits=(
            (0, "no provider is stale"),
            (
                1,
                "an enabled provider's last success is older than --max-age, or the "
                "database failed",
            ),
            READ_EXITS[2],
        ),
    ),
    "runs list": epilog(("catalogsync runs list", "catalogsync runs list akool --limit 5")),
    "runs show": epilog(("catalogsync runs show 42", "catalogsync runs show 42 --raw | jq .")),
    "config check": epilog(
        ("catalogsync config check", "catalogsync config check --config /etc/catalogsync.toml"),
        CONFIG_ENV + PROVIDER_ENV,
        ((0, "the configuration is valid"), (2, "each problem named, one a line")),
    ),
    "runs prune": epilog(
        (
            "catalogsync runs prune --older-than 90d --dry-run",
            "catalogsync runs prune --older-than 12w",
        ),
        exits=(
            (0, "pruned (or, with --dry-run, counted)"),
            (1, "the database failed"),
            (2, "usage error"),
        ),
    ),
    "price": epilog(
        (
            "catalogsync price openrouter openai/gpt-4o",
            "catalogsync price litellm gpt-4o --at 2026-03-01T12:00:00Z --format json",
            "catalogsync price akool kling --at 30d",
        ),
        exits=(
            (0, "the model's prices at that time"),
            (
                1,
                "no such provider or model at that time (the nearest versions named), "
                "or the database failed",
            ),
            (2, "usage or configuration error, or no database there"),
        ),
    ),
    "cost": epilog(
        (
            "catalogsync cost usage.csv",
            "catalogsync cost usage.jsonl --group-by day --format csv --output costs.csv",
            "gzip -dc usage.csv.gz | catalogsync cost - --group-by model",
        ),
        exits=(
            (0, "every row priced"),
            (
                1,
                "some rows unpriced (each with its reason; the rest still written), "
                "or the database failed",
            ),
            (2, "a malformed usage file (line and column named), usage or configuration error"),
        ),
    ),
    "feed": epilog(
        (
            "catalogsync feed --output changes.atom",
            "catalogsync feed --provider openrouter --since 30d",
        ),
    ),
    "notify list": epilog(
        ("catalogsync notify list", "catalogsync notify list --status failed --format json"),
    ),
    "notify retry": epilog(
        ("catalogsync notify retry", "catalogsync notify retry 7f3c2a9e-..."),
        CONFIG_ENV + NOTIFY_ENV,
        (
            (0, "every delivery retried was delivered"),
            (1, "some are still pending or failed, or the database failed"),
            (2, "usage or configuration error, or no database there"),
        ),
    ),
    "notify test": epilog(
        ("catalogsync notify test pricing-alerts",),
        CONFIG_ENV + NOTIFY_ENV,
        (
            (0, "the receiver accepted the sample"),
            (1, "it did not (its answer shown)"),
            (2, "no such channel, or it has no URL or secret"),
        ),
    ),
    "serve": epilog(
        (
            "catalogsync serve                      # http://127.0.0.1:8000/",
            "CATALOGSYNC_WEB_TOKEN_FILE=/run/secrets/web-token catalogsync serve --host 0.0.0.0",
        ),
        (
            *CONFIG_ENV,
            ("CATALOGSYNC_WEB_TOKEN[_FILE]", "require this bearer token"),
            ("CATALOGSYNC_WEB_USER", "with CATALOGSYNC_WEB_PASSWORD[_FILE]: basic authentication"),
        ),
        (
            (0, "stopped by SIGINT or SIGTERM"),
            (1, "the database failed"),
            (2, "usage or configuration error, no database there, the web extra missing"),
        ),
    ),
}
"""Command (its words after ``catalogsync``) -> the end of its ``--help``."""


def attach(command: argparse.ArgumentParser) -> None:
    """Give ``command`` its epilog, kept as written."""
    key = command.prog.removeprefix("catalogsync").strip()
    command.epilog = EPILOGS.get(key)
    command.formatter_class = argparse.RawDescriptionHelpFormatter
