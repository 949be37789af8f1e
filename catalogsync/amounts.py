"""Exact arithmetic on stored amounts: how far a price moved, absolutely and in percent.

Pure and light (the standard library's ``decimal`` only), so that both the report's rows
(``reads.prices.PriceChange``) and its net changes (``reports.PriceNet``) work their moves
out in one way, and a front end that imports the report's types loads no database code.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal

PERCENT = Decimal("0.01")


def exact_difference(new: Decimal, old: Decimal) -> Decimal:
    """``new - old`` with as many digits as it takes (Python's default keeps 28)."""
    exponent = min(new.as_tuple().exponent, old.as_tuple().exponent)
    assert isinstance(exponent, int)  # finite amounts only are stored
    digits = max(new.adjusted(), old.adjusted()) - exponent + 2
    return Context(prec=max(28, digits), Emax=MAX_EMAX, Emin=MIN_EMIN).subtract(new, old)


def percent_of(delta: Decimal, base: Decimal) -> Decimal:
    """``delta`` as a percentage of ``base``, to two decimals, whatever their sizes."""
    digits = (delta.adjusted() + 2) - base.adjusted() + 6  # the quotient's integer digits, +
    context = Context(prec=max(28, digits), rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return context.divide(context.multiply(delta, 100), base).quantize(PERCENT, context=context)


class Move:
    """A price's move from ``old_amount`` to ``new_amount`` (either ``None``: none there, or
    variable), worked out exactly; mixed into the dataclasses that carry the two amounts."""

    old_amount: Decimal | None
    new_amount: Decimal | None

    @property
    def absolute_change(self) -> Decimal | None:
        """``new - old`` when both are amounts: exact, however many digits they have."""
        if self.old_amount is None or self.new_amount is None:
            return None
        return exact_difference(self.new_amount, self.old_amount)

    @property
    def percent_change(self) -> Decimal | None:
        """The move as a percentage of the old amount (two decimals, rounded half to even),
        unless the old was 0."""
        delta = self.absolute_change
        if delta is None or self.old_amount is None or self.old_amount == 0:
            return None
        return percent_of(delta, self.old_amount)
