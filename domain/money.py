"""Money in Swiss francs: a `Decimal` with two places, written the Swiss way.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

BUDGET_LINES = ("7a", "7b", "7c")  # the lines of the ISU's budget in its financial decision

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


# The largest amount one command may carry: the ISU's whole annual budget is about CHF 0.5
# million, so anything near this is a typing mistake (1e22 once closed a chase as paid).
MAX_AMOUNT = Decimal("100000000.00")


def _as_typed(value: object, most: int = 40) -> str:
    """What was typed, for a refusal: cut where it is longer than a figure could be."""
    text = str(value)
    return text if len(text) <= most else text[:most] + f"… ({len(text)} characters)"


def parse_amount(value: object) -> Decimal:
    """An amount someone entered: at most two decimals (centimes) and at most CHF 100
    million; refused, never rounded, so that what is recorded is what was typed."""
    text = str(value).strip().replace("'", "").replace("’", "").replace(" ", "")
    if text.upper().startswith("CHF"):
        text = text[3:]
    try:
        amount = Decimal(text) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {_as_typed(value)!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {_as_typed(value)!r}")
    if abs(amount) > MAX_AMOUNT:  # first: quantizing 1e30 overflows the decimal context
        raise ValueError(f"{_as_typed(value)} is more than CHF 100 million: check the amount")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(f"{_as_typed(value)} has more than two decimals: amounts are in francs and centimes")
    return amount.quantize(CENT)


# Serialised as a string so that no amount passes through a float on the wire. `CHF` is a
# figure the system computes; `Amount` is one a person entered (strict).
_AS_TEXT = PlainSerializer(lambda d: str(d), return_type=str)
CHF = Annotated[Decimal, BeforeValidator(to_chf), _AS_TEXT]
Amount = Annotated[Decimal, BeforeValidator(parse_amount), _AS_TEXT]


def format_chf(amount: Decimal, currency: bool = True) -> str:
    """`CHF 12'345.00`: apostrophes between thousands, as Swiss documents write them."""
    amount = to_chf(amount)
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = sign + "'".join(groups) + "." + cents
    return f"CHF {text}" if currency else text
