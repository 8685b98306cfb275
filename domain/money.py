"""Money in Swiss francs: a `Decimal` with two places, written the Swiss way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

CENT = Decimal("0.01")


def to_chf(value: object) -> Decimal:
    """Parse an amount ("12345", "12'345.50", 12345.5) into CHF with two places."""
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().replace("'", "").replace("’", "").replace(" ", "")
        if text.upper().startswith("CHF"):
            text = text[3:]
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# Serialised as a string so that no amount passes through a float on the wire.
CHF = Annotated[Decimal, BeforeValidator(to_chf), PlainSerializer(lambda d: str(d), return_type=str)]


def format_chf(amount: Decimal, currency: bool = True) -> str:
    """`CHF 12'345.00`: apostrophes between thousands, as Swiss documents write them."""
    amount = to_chf(amount)
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = sign + "'".join(groups) + "." + cents
    return f"CHF {text}" if currency else text
