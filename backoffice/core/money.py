"""Money and area helpers: Decimal with two places, rounded half-up (CNY; m²)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Quantise to two places. Floats are refused: they cannot represent money exactly."""
    if isinstance(value, float):
        raise TypeError("money and areas are never floats; pass Decimal, int or str")
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
