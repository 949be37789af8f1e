"""Costing: what a model cost at a moment, and usage logs repriced at the prices of their time.

- ``points.price_at``: a model's price points at a time, with the version, its observed
  time and the SHA-256 of its raw payload (``catalogsync price``);
- ``usage.read_usage``: a usage log (CSV or JSON lines) as a stream of rows;
- ``reprice.cost_of``: rows priced one at a time (``report.reprice`` wraps it with
  totals for ``catalogsync cost``);
- ``rules``: the pure rules (tiers, time windows, the choice among prices, scales);
- ``history``: the stored history of a model, loaded once, looked up by bisect.

``catalogsync.api`` re-exports what front ends call.
"""
