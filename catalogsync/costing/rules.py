"""The pricing rules, pure: which price applies to a quantity, and what it costs.

No database and no files here; ``catalogsync.costing.reprice`` feeds these functions the
stored prices and the rows of a usage log. The rules, as the README states them:

- **Tiers.** A price's ``tier`` (``keys.PRICE``) is ``''`` (the base price) or canonical
  condition text whose parts are joined with `` and ``: ``SUBJECT>N`` (``input_tokens>200000``)
  and ``utc HH:MM-HH:MM`` with an optional `` on mon,tue`` (``parse_tier``). A part
  ``input_tokens>N`` holds when the row's **prompt size** exceeds N (strictly: a prompt of
  exactly N tokens pays the base price). The prompt size is the sum of the row's
  ``PROMPT_QUANTITIES``: every input-side token quantity (``input_tokens``, cached reads and
  writes, input audio, image and video tokens), since each of those columns counts only the
  tokens charged at its own price and together they make the prompt. Another subject
  (``audio_tokens>N``) is compared with the row's quantity of that name.
- **Time windows** hold when the row's UTC time of day is in ``[start, end)``; a window
  whose end is not after its start runs past midnight (``utc 22:00-06:00``); ``on mon,fri``
  restricts it to the UTC weekdays of the row's timestamp.
- **Dimensions.** A quantity is priced at the row's ``variant``, ``service_tier`` and
  ``region`` (``''``: the base variant, the standard tier, not regional); a value the
  model has no price for at all makes the row unpriced. A price type that no price of the
  model distinguishes by variant (or by region) takes its ``''`` price for any variant (or
  region): Akool's resolutions price ``unit`` only, litellm's search sizes ``web_search``
  only. A service tier never falls back: a batch row needs the batch price of each
  quantity.
- **Choice.** Among the prices of a quantity whose conditions all hold, the most specific
  one applies: the most condition parts, then the highest token threshold. Two different
  prices equally specific are ambiguous, and the quantity is not priced.
- **Scale.** An amount is per ``10 ** unit_scale(unit)`` of the quantity: per 1M tokens
  (``USD/1M tokens``: 6), per 1K (3), else per one (a request, an image, a minute, a
  second, a credit's unit). ``cost = quantity * amount / 10 ** scale``, exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact
from typing import TypeVar

PROMPT_QUANTITIES = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "input_image_tokens",
    "input_video_tokens",
    "input_audio_cache_tokens",
    "cache_read_audio_tokens",
    "cache_write_audio_tokens",
)
"""The quantities that make up a row's prompt size, compared with ``input_tokens>N`` tiers."""

PROMPT_SUBJECT = "input_tokens"
"""The subject of a tier part compared with the prompt size (``input_tokens>200000``)."""

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names of time windows, in ``datetime.weekday()`` order."""

EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact])
"""Arithmetic that never rounds: an inexact result raises instead of losing a digit."""

_THRESHOLD = re.compile(r"([a-z0-9_]+)>(\d+)")
_WINDOW = re.compile(r"utc (\d\d):(\d\d)-(\d\d):(\d\d)(?: on ([a-z,]+))?")
_SCALE = re.compile(r"/1([MKk]) ")
_SCALES = {"M": 6, "K": 3, "k": 3}
DAY_SECONDS = 24 * 3600


class TierError(ValueError):
    """A tier whose text is not in the canonical grammar."""


@dataclass(frozen=True)
class Condition:
    """A tier, read: thresholds (``subject > n``), an optional UTC window and its days."""

    thresholds: tuple[tuple[str, int], ...] = ()
    window: tuple[int, int] | None = None
    """Start and end in seconds of the UTC day; half-open; wraps when end <= start."""
    days: frozenset[int] | None = None
    """``datetime.weekday()`` numbers the window is restricted to (``None``: every day)."""

    @property
    def parts(self) -> int:
        """How many conditions must hold (the base price has none)."""
        return len(self.thresholds) + (self.window is not None)

    @property
    def specificity(self) -> tuple[int, int]:
        """Orders matching prices: more parts first, then the higher token threshold."""
        return (self.parts, max((n for _, n in self.thresholds), default=-1))

    def holds(
        self, prompt: Decimal, quantities: Mapping[str, Decimal], clock: int, day: int
    ) -> bool:
        """Whether a row with this prompt size, quantities, second of the UTC day and
        weekday meets every part."""
        for subject, limit in self.thresholds:
            size = prompt if subject == PROMPT_SUBJECT else quantities.get(subject, 0)
            if not size > limit:
                return False
        if self.window is not None:
            if self.days is not None and day not in self.days:
                return False
            if not in_window(clock, *self.window):
                return False
        return True


BASE = Condition()


def parse_tier(tier: str) -> Condition:
    """A tier's text read into a ``Condition`` (``TierError`` outside the grammar)."""
    if not tier:
        return BASE
    thresholds: list[tuple[str, int]] = []
    window: tuple[int, int] | None = None
    days: frozenset[int] | None = None
    for part in tier.split(" and "):
        found = _THRESHOLD.fullmatch(part)
        if found:
            thresholds.append((found.group(1), int(found.group(2))))
            continue
        clock = _WINDOW.fullmatch(part)
        if clock is None or window is not None:
            raise TierError(f"tier {tier!r} is not a condition catalogsync can apply")
        h1, m1, h2, m2, names = clock.groups()
        start, end = _seconds(h1, m1, tier), _seconds(h2, m2, tier)
        window = (start, end)
        if names:
            unknown = [n for n in names.split(",") if n not in DAYS]
            if unknown:
                raise TierError(f"tier {tier!r} names an unknown day {unknown[0]!r}")
            days = frozenset(DAYS.index(n) for n in names.split(","))
    return Condition(tuple(thresholds), window, days)


def _seconds(hours: str, minutes: str, tier: str) -> int:
    value = int(hours) * 3600 + int(minutes) * 60
    if int(minutes) > 59 or value > DAY_SECONDS:
        raise TierError(f"tier {tier!r} has a time of day out of range")
    return value


def in_window(clock: int, start: int, end: int) -> bool:
    """Whether second ``clock`` of the day is in ``[start, end)``, wrapping past midnight
    when ``end <= start`` (so ``00:00-24:00`` and ``10:00-10:00`` are the whole day)."""
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


_PROMPT = frozenset(PROMPT_QUANTITIES)


def prompt_size(quantities: Mapping[str, Decimal]) -> Decimal:
    """The prompt size of a row: the sum of its ``PROMPT_QUANTITIES``."""
    total = Decimal(0)
    for name, value in quantities.items():
        if name in _PROMPT:
            total = EXACT.add(total, value)
    return total


def unit_scale(unit: str) -> int:
    """The power of ten an amount in ``unit`` is per: 6 for ``USD/1M tokens``, 3 for
    ``.../1K ...``, 0 for anything per one (``USD/request``, ``credits/minute``, ``credits``)."""
    found = _SCALE.search(unit + " ")
    return _SCALES[found.group(1)] if found else 0


def cost(quantity: Decimal, amount: Decimal, scale: int) -> Decimal:
    """``quantity * amount / 10 ** scale``, exact to the last digit."""
    return EXACT.multiply(quantity, amount).scaleb(-scale, EXACT)


def currency_label(currency: str | None, provider: str) -> str:
    """What a cost is counted in: the ISO 4217 code, or ``"<provider> credits"`` (one
    provider's credits are not another's)."""
    return currency if currency is not None else f"{provider} credits"


@dataclass(frozen=True)
class Ambiguous:
    """Two different prices apply equally specifically: which one is not decidable."""

    tiers: tuple[str, str]


V = TypeVar("V")
Ranked = tuple[tuple[Condition, V, tuple[int, int]], ...]
"""Candidates most specific first, each with its rank (``rank``)."""


def rank(candidates: Iterable[tuple[Condition, V]]) -> Ranked[V]:
    """``candidates`` ordered for ``choose``: most specific first (done once per price set)."""
    ranked = [(condition, value, condition.specificity) for condition, value in candidates]
    ranked.sort(key=lambda item: item[2], reverse=True)
    return tuple(ranked)


def choose(
    ranked: Ranked[V],
    prompt: Decimal,
    quantities: Mapping[str, Decimal],
    clock: int,
    day: int,
) -> V | Ambiguous | None:
    """The value of the most specific candidate whose condition holds (``None``: none
    holds; ``Ambiguous``: another value's condition, as specific, holds too)."""
    for index, (condition, value, order) in enumerate(ranked):
        if condition is BASE or condition.holds(prompt, quantities, clock, day):
            for other, rival, rival_order in ranked[index + 1 :]:
                if rival_order != order:
                    break
                if rival != value and (
                    other is BASE or other.holds(prompt, quantities, clock, day)
                ):
                    return Ambiguous((_tier_of(value), _tier_of(rival)))
            return value
    return None


def _tier_of(value: object) -> str:
    return str(getattr(value, "tier", value))
