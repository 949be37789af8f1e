"""Load one catalog file with dlt 1.31 (merge, scd2), as the peer a user would pick instead.

    python -m benchmarks.dlt_load FILE DESTINATION_URL PIPELINES_DIR

Runs in its own process, started by benchmarks/run.py; needs the `bench` extra.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    import dlt  # the bench extra only

    path, url, pipelines_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    models = json.loads(Path(path).read_text())["models"]

    @dlt.resource(name="models", write_disposition={"disposition": "merge", "strategy": "scd2"})
    def catalog() -> Any:
        yield models

    destination = (
        dlt.destinations.postgres(credentials=url)
        if url.startswith("postgresql")
        else dlt.destinations.sqlalchemy(credentials=url)
    )
    pipeline = dlt.pipeline(
        pipeline_name="catalog_bench",
        destination=destination,
        dataset_name="catalog",
        pipelines_dir=pipelines_dir,
    )
    pipeline.run(catalog())


if __name__ == "__main__":
    main()
