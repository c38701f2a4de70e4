"""Units of the published figures, converted and rounded once (docs/figures.md): sums are kept in integer minutes
and minor units; hours, money per unit and ratios are rounded half to even at the end."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal


def hours(minutes: int) -> float:
    """Minutes as hours, 2 decimals, half to even (165 minutes: 2.75)."""
    return float((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def per(amount: int, count: int) -> int | None:
    """Whole minor units per unit, half to even; None when there is nothing to divide by."""
    if count == 0:
        return None
    return int((Decimal(amount) / count).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def ratio(part: int, whole: int) -> float | None:
    """A share, 4 decimals, half to even; None when the whole is 0."""
    if whole == 0:
        return None
    return float((Decimal(part) / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))
