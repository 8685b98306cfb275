"""The indicative scale: each State Party's share of a budget, from UN rates of assessment.

Rates are rescaled over the States Parties that have a rate; States without one pay a
configured minimum; amounts are rounded down to the centime and the remaining centimes
are assigned (largest remainders first) so that the total equals the budget exactly.
"""

from __future__ import annotations

import csv
from decimal import ROUND_FLOOR, Decimal

from domain.money import CENT, parse_amount
from domain.states import Registry, UnknownState


class ScaleError(ValueError):
    """Every problem of a scale or amounts file, each with its line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _read(text: str, value_column: str, registry: Registry) -> dict[str, Decimal]:
    reader = csv.DictReader(text.lstrip("\ufeff").splitlines())  # a byte-order mark is no part of the header
    if reader.fieldnames is None or {"state", value_column} - set(reader.fieldnames):
        raise ScaleError([f"line 1: the header must be state,{value_column}"])
    values: dict[str, Decimal] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        try:
            state = registry.get(row["state"])
        except UnknownState as e:
            problems.append(f"line {line}, state: {e}")
            continue
        if value_column == "amount" and state.status != "party":
            problems.append(f"line {line}, state: {state.name} ({state.alpha3}) is a {state.status}, "
                            "not a State Party")
            continue
        try:
            value = parse_amount(row[value_column]) if value_column == "amount" else Decimal(row[value_column].strip())
        except ValueError as e:
            problems.append(f"line {line}, {value_column}: {e}" if value_column == "amount" else
                            f"line {line}, {value_column}: {row[value_column]!r} is not a number")
            continue
        except (ArithmeticError, AttributeError):
            problems.append(f"line {line}, {value_column}: {row[value_column]!r} is not a number")
            continue
        if not value.is_finite():  # NaN, Infinity: Decimal reads them, no rate is one
            problems.append(f"line {line}, {value_column}: {row[value_column]!r} is not a number")
        elif value < 0:
            problems.append(f"line {line}, {value_column}: must not be negative")
        elif state.alpha3 in values:
            problems.append(f"line {line}, state: {state.name} appears twice")
        else:
            values[state.alpha3] = value
    if problems:
        raise ScaleError(problems)
    return values


def read_amounts(text: str, registry: Registry) -> dict[str, Decimal]:
    """An amounts file: `state,amount` per line."""
    return _read(text, "amount", registry)


def indicative_amounts(budget: Decimal, scale_text: str, registry: Registry,
                       minimum: Decimal = Decimal("100")) -> dict[str, Decimal]:
    """Each State Party's amount, in centimes, summing exactly to the budget."""
    rates = {k: v for k, v in _read(scale_text, "rate", registry).items()
             if registry.get(k).status == "party"}
    parties = [s.alpha3 for s in registry.parties()]
    without_rate = [a for a in parties if a not in rates or rates[a] == 0]
    rated = {a: r for a, r in rates.items() if r > 0}
    budget = parse_amount(budget)
    rest = budget - minimum * len(without_rate)
    if rest < 0 or not rated:
        raise ScaleError([f"a budget of {budget} cannot cover the minimum for {len(without_rate)} States"
                          if rest < 0 else "no State Party in the scale has a rate"])
    total_rate = sum(rated.values())
    exact = {a: rest * r / total_rate for a, r in rated.items()}
    amounts = {a: v.quantize(CENT, rounding=ROUND_FLOOR) for a, v in exact.items()}
    remainder = int((rest - sum(amounts.values())) / CENT)
    for a in sorted(exact, key=lambda a: (exact[a] - amounts[a], a), reverse=True)[:remainder]:
        amounts[a] += CENT
    amounts |= {a: parse_amount(minimum) for a in without_rate}
    return {a: amounts[a] for a in parties}
