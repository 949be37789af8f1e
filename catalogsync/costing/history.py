"""The stored price history of a model, loaded once and looked up by time with bisect.

``PriceBook`` is the cache a repricing keeps: per provider its versions (which one was
in effect at a time), per (provider, model) a ``ModelHistory`` loaded on first use, with
two queries (the model's rows and its price rows), never one per usage row. A
``ModelHistory`` cuts time into stretches at every moment any of the model's rows opened
or closed; each stretch holds a ``PriceTable``: the model's prices then, grouped by what
a usage row asks for (price type, variant, service tier, region), each with its tier
read (``rules.parse_tier``). The validity of a row is ``valid_from <= t < valid_to``, as
in the views (``docs/analysts.md``, "How history works").
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from catalogsync.costing.rules import (
    BASE,
    Condition,
    Ranked,
    TierError,
    currency_label,
    parse_tier,
    rank,
    unit_scale,
)
from catalogsync.db import models as t
from catalogsync.db.session import reading
from catalogsync.keys import PRICE

Ask = tuple[str, str, str, str]
"""What a usage row's quantity asks for: price type, variant, service tier, region."""


@dataclass(frozen=True)
class Charge:
    """One stored price, ready to apply: its tier, exact amount (``None``: variable),
    currency (``None``: the provider's credits), unit, the unit's scale and what a cost
    in it is counted in (``rules.currency_label``)."""

    tier: str
    amount: Decimal | None
    currency: str | None
    unit: str
    scale: int
    label: str


Way = Charge | Ranked[Charge] | str
"""How a quantity is priced: one price whatever the row, the candidates to choose from
by the row's conditions, or why there is no price."""


@dataclass
class PriceTable:
    """A model's prices over one stretch of time, by what a quantity asks for."""

    provider: str
    charges: dict[Ask, list[tuple[Condition, Charge]]] = field(default_factory=dict)
    unreadable: dict[Ask, str] = field(default_factory=dict)
    """Asks with a price whose tier is outside the grammar, and that tier's message."""
    variants: set[str] = field(default_factory=set)
    service_tiers: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    by_variant: set[str] = field(default_factory=set)
    """Price types with a price for some variant (others fall back to variant ``''``)."""
    by_region: set[str] = field(default_factory=set)
    """Price types with a regional price (others fall back to region ``''``)."""
    ways: dict[Ask, Way] = field(default_factory=dict)
    """``way`` memoised, per what a row asks for."""

    def add(self, row: StoredPrice) -> None:
        ask = (row.price_type, row.variant, row.service_tier, row.region)
        self.variants.add(row.variant)
        self.service_tiers.add(row.service_tier)
        self.regions.add(row.region)
        if row.variant:
            self.by_variant.add(row.price_type)
        if row.region:
            self.by_region.add(row.price_type)
        try:
            condition = parse_tier(row.tier)
        except TierError as exc:
            self.unreadable[ask] = str(exc)
            return
        label = currency_label(row.currency, self.provider)
        charge = Charge(row.tier, row.amount, row.currency, row.unit, unit_scale(row.unit), label)
        self.charges.setdefault(ask, []).append((condition, charge))

    def way(self, price_type: str, variant: str, service_tier: str, region: str) -> Way:
        """How a quantity of ``price_type`` is priced for a row with these dimensions."""
        key = (price_type, variant, service_tier, region)
        found = self.ways.get(key)
        if found is None:
            found = self.ways[key] = self._way(*key)
        return found

    def _way(self, price_type: str, variant: str, service_tier: str, region: str) -> Way:
        ask = self.ask(price_type, variant, service_tier, region)
        if ask in self.unreadable:
            return f"{price_type}: {self.unreadable[ask]}"
        candidates = self.charges.get(ask)
        if not candidates:
            parts = [
                f"{what} {value!r}"
                for what, value in (
                    ("variant", variant),
                    ("service tier", service_tier),
                    ("region", region),
                )
                if value
            ]
            if ask[1] == "" and price_type in self.by_variant:
                parts.append("it is priced per variant")
            return f"no price for {price_type}" + (f" ({', '.join(parts)})" if parts else "")
        if len(candidates) == 1 and candidates[0][0] is BASE:
            return candidates[0][1]
        return rank(candidates)

    def ask(self, price_type: str, variant: str, service_tier: str, region: str) -> Ask:
        """What a quantity looks up: the row's variant and region, or ``''`` for a price
        type that no price distinguishes by them (``rules``: the fallback)."""
        return (
            price_type,
            variant if price_type in self.by_variant else "",
            service_tier,
            region if price_type in self.by_region else "",
        )


@dataclass(frozen=True)
class StoredPrice:
    """One row of ``prices``, with its validity."""

    price_type: str
    variant: str
    tier: str
    service_tier: str
    region: str
    unit: str
    amount: Decimal | None
    currency: str | None
    valid_from: datetime
    valid_to: datetime | None


@dataclass
class ModelHistory:
    """A model over time: ``tables[i]`` holds from ``starts[i]`` to ``starts[i + 1]``;
    ``None`` where the model was not in the catalog."""

    model: str
    starts: list[datetime]
    tables: list[PriceTable | None]

    @property
    def known(self) -> bool:
        """Whether the model was ever in the provider's catalog."""
        return bool(self.starts)

    def at(self, when: datetime) -> PriceTable | None:
        """The model's prices at ``when`` (``None``: not in the catalog then)."""
        index = bisect_right(self.starts, when) - 1
        return self.tables[index] if index >= 0 else None


@dataclass
class ProviderHistory:
    """A provider's versions (observed times, oldest first) and its models' histories."""

    provider: str
    provider_id: int | None
    fetched: list[datetime]
    numbers: list[int]
    models: dict[str, ModelHistory] = field(default_factory=dict)

    def version_at(self, when: datetime) -> int | None:
        """The number of the version in effect at ``when``: the newest observed by then."""
        index = bisect_right(self.fetched, when) - 1
        return self.numbers[index] if index >= 0 else None


class PriceBook:
    """The price histories a repricing needs, each loaded once from ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.providers: dict[str, ProviderHistory] = {}

    def provider(self, name: str) -> ProviderHistory:
        """The history of provider ``name`` (its models load as they are asked for)."""
        found = self.providers.get(name)
        if found is not None:
            return found
        if found is None:
            with reading(self.engine) as conn:
                found = self.providers[name] = load_provider(conn, name)
        return found

    def model(self, provider: ProviderHistory, model: str) -> ModelHistory:
        """The history of ``model`` of ``provider``, loaded on first use."""
        found = provider.models.get(model)
        if found is None:
            if provider.provider_id is None:
                found = ModelHistory(model, [], [])
            else:
                with reading(self.engine) as conn:
                    found = load_model(conn, provider.provider, provider.provider_id, model)
            provider.models[model] = found
        return found


def load_provider(conn: Connection, provider: str) -> ProviderHistory:
    """A provider's id and versions (none when it is unknown)."""
    provider_id = conn.execute(
        select(t.providers.c.id).where(t.providers.c.slug == provider)
    ).scalar_one_or_none()
    versions = t.catalog_versions
    rows = (
        conn.execute(
            select(versions.c.fetched_at, versions.c.version)
            .where(versions.c.provider_id == provider_id)
            .order_by(versions.c.fetched_at, versions.c.version)
        ).all()
        if provider_id is not None
        else []
    )
    return ProviderHistory(
        provider, provider_id, [r.fetched_at for r in rows], [r.version for r in rows]
    )


def load_model(conn: Connection, provider: str, provider_id: int, model: str) -> ModelHistory:
    """Every row of ``model`` in ``models`` and ``prices``, cut into stretches of time."""
    models, prices = t.models, t.prices
    spans = conn.execute(
        select(models.c.valid_from, models.c.valid_to).where(
            models.c.provider_id == provider_id, models.c.model_id == model
        )
    ).all()
    rows = [
        StoredPrice(**row._mapping)
        for row in conn.execute(
            select(
                *(prices.c[name] for name in (*PRICE.fields, *PRICE.values)),
                prices.c.valid_from,
                prices.c.valid_to,
            ).where(prices.c.provider_id == provider_id, prices.c.model_id == model)
        )
    ]
    return build_history(provider, model, [(s.valid_from, s.valid_to) for s in spans], rows)


def build_history(
    provider: str,
    model: str,
    spans: Iterable[tuple[datetime, datetime | None]],
    rows: Iterable[StoredPrice],
) -> ModelHistory:
    """The stretches of a model's history from its validity spans and price rows (pure)."""
    spans, rows = list(spans), list(rows)
    moments = sorted(
        {s for s, _ in spans}
        | {e for _, e in spans if e is not None}
        | {r.valid_from for r in rows}
        | {r.valid_to for r in rows if r.valid_to is not None}
    )
    starts: list[datetime] = []
    tables: list[PriceTable | None] = []
    by_start = sorted(rows, key=lambda r: r.valid_from)
    active: list[StoredPrice] = []
    cursor = 0
    for moment in moments:
        while cursor < len(by_start) and by_start[cursor].valid_from <= moment:
            active.append(by_start[cursor])
            cursor += 1
        active = [r for r in active if r.valid_to is None or r.valid_to > moment]
        present = any(s <= moment and (e is None or e > moment) for s, e in spans)
        table: PriceTable | None = None
        if present:
            table = PriceTable(provider)
            for row in active:
                table.add(row)
        starts.append(moment)
        tables.append(table)
    return ModelHistory(model, starts, tables)
