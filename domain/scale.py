"""The indicative scale: each State Party's share of a budget, from UN rates of assessment.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The UN scales ship with ccm (`data/un_scale_of_assessments.csv`, one column per three-year
scale, each with its General Assembly resolution), and the scale of a year is the one
whose period holds it: 2026 is billed by the 2025-2027 scale. A file given with `--scale`
replaces it. Rates are rescaled over the States Parties billed that have a rate; those
without one (not UN members: the Holy See, the State of Palestine, the Cook Islands, Niue)
pay a configured minimum. Amounts are rounded down to the centime and the remaining
centimes assigned (largest remainders first), so the total equals the budget exactly.
"""

from __future__ import annotations

import csv
import re
from decimal import ROUND_FLOOR, Decimal
from importlib import resources
from typing import Any

from pydantic import BaseModel

from domain.csvfile import Problems, rows
from domain.money import CENT, parse_amount
from domain.states import Registry, UnknownState

SHIPPED = "domain/data/un_scale_of_assessments.csv"
_PERIOD = re.compile(r"^rate_(\d{4})_(\d{4})$")


class ScaleError(ValueError):
    """Every problem of a scale or amounts file, each with its line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class Scale(BaseModel):
    """UN rates of assessment in percent (alpha-3 -> rate) and where they come from."""

    period: str  # "2025-2027", or the file given
    rates: dict[str, Decimal]
    source: str = ""

    def rate_of(self, alpha3: str) -> Decimal | None:
        rate = self.rates.get(alpha3)
        return rate if rate else None


def shipped_periods(text: str | None = None) -> list[tuple[int, int]]:
    header = next(csv.reader((text or _shipped_text()).splitlines()))
    return [(int(m[1]), int(m[2])) for m in map(_PERIOD.match, header) if m]


def shipped_scale(year: int, text: str | None = None) -> Scale:
    """The UN scale whose period holds `year`; refused, naming the file to extend, when
    none shipped does."""
    text = text or _shipped_text()
    periods = shipped_periods(text)
    period = next(((a, b) for a, b in periods if a <= year <= b), None)
    if period is None:
        shown = ", ".join(f"{a}-{b}" for a, b in periods)
        raise ScaleError(
            [
                f"no shipped UN scale covers {year} (ccm ships {shown}): add the column of its "
                f"three-year scale to {SHIPPED}, or give --scale FILE"
            ]
        )
    column = f"rate_{period[0]}_{period[1]}"
    resolution = re.compile(rf"(A/RES/\d+/\d+)[^;]*\(scale {period[0]}-{period[1]}\)")
    rates: dict[str, Decimal | None] = {}
    sources: set[str] = set()
    for row in csv.DictReader(text.splitlines()):
        value = (row[column] or "").strip()
        if value:
            rates[row["alpha3"]] = Decimal(value)
            sources.update(m[1] for m in resolution.finditer(row["source"]))
    return Scale(period=f"{period[0]}-{period[1]}", rates=rates, source=", ".join(sorted(sources)))


def scale_for(year: int, added: list[Any] | None = None) -> Scale:
    """The UN scale of `year`: one the operator recorded for its period
    (`domain.coverage.ScaleAdded`, the latest recorded winning), else the shipped one;
    refused, naming how to add it, when neither covers the year."""
    for recorded in reversed(added or []):
        first, last = recorded.years()
        if first <= year <= last:
            return Scale(period=recorded.period, rates=dict(recorded.rates), source=recorded.source)
    try:
        return shipped_scale(year)
    except ScaleError as e:
        raise ScaleError(
            [
                e.problems[0].replace(
                    f"add the column of its three-year scale to {SHIPPED}, or give --scale FILE",
                    "record its three-year scale with `ccm data add-scale FILE --period …` (or give --scale FILE)",
                )
            ]
        ) from None


def _shipped_text() -> str:
    return resources.files("domain").joinpath("data/un_scale_of_assessments.csv").read_text("utf-8")


def _read(text: str, value_column: str, registry: Registry, members: set[str] | None = None) -> dict[str, Decimal]:
    try:
        reader = rows(text, ["state", value_column])
    except ValueError as e:
        raise ScaleError([str(e)]) from None
    values: dict[str, Decimal] = {}
    problems = Problems()
    for line, row in reader:
        try:
            state = registry.get(row["state"] or "")
        except UnknownState as e:
            problems.add(line, "state", f"{e}")
            continue
        if value_column == "amount" and members is not None and state.alpha3 not in members:
            standing = {"signatory": "a signatory", "withdrawn": "withdrawn"}.get(state.status or "", "not a party")
            problems.add(
                line, "state", f"{state.name} ({state.alpha3}) is {standing}, not a State Party billed that year"
            )
            continue
        try:
            value = parse_amount(row[value_column]) if value_column == "amount" else Decimal(row[value_column].strip())
        except ValueError as e:
            problems.add(
                line, value_column, f"{e}" if value_column == "amount" else f"{row[value_column]!r} is not a number"
            )
            continue
        except (ArithmeticError, AttributeError):
            problems.add(line, value_column, f"{row[value_column]!r} is not a number")
            continue
        if not value.is_finite():  # NaN, Infinity: Decimal reads them, no rate is one
            problems.add(line, value_column, f"{row[value_column]!r} is not a number")
        elif value < 0:
            problems.add(line, value_column, "must not be negative")
        elif state.alpha3 in values:
            problems.add(line, "state", f"{state.name} appears twice")
        else:
            values[state.alpha3] = value
    if problems:
        raise ScaleError(problems.items)
    return values


def read_amounts(text: str, registry: Registry, members: set[str] | None = None) -> dict[str, Decimal]:
    """An amounts file: `state,amount` per line, each a State billed that year."""
    return _read(text, "amount", registry, members)


def read_scale(text: str, registry: Registry, label: str = "the file given") -> Scale:
    """A scale file: `state,rate` per line, UN rates in percent."""
    return Scale(period=label, rates=_read(text, "rate", registry))


def indicative_amounts(
    budget: Decimal, scale: Scale, parties: list[str], minimum: Decimal = Decimal("100")
) -> dict[str, Decimal]:
    """Each of `parties`' amount, in centimes, summing exactly to the budget."""
    rated = {a: scale.rates[a] for a in parties if scale.rate_of(a)}
    without_rate = [a for a in parties if a not in rated]
    budget = parse_amount(budget)
    rest = budget - minimum * len(without_rate)
    if rest < 0 or not rated:
        raise ScaleError(
            [
                f"a budget of {budget} cannot cover the minimum for {len(without_rate)} States"
                if rest < 0
                else "no State Party in the scale has a rate"
            ]
        )
    total_rate = sum(rated.values())
    exact = {a: rest * r / total_rate for a, r in rated.items()}
    amounts = {a: v.quantize(CENT, rounding=ROUND_FLOOR) for a, v in exact.items()}
    remainder = int((rest - sum(amounts.values())) / CENT)
    for a in sorted(exact, key=lambda a: (exact[a] - amounts[a], a), reverse=True)[:remainder]:
        amounts[a] += CENT
    amounts |= {a: parse_amount(minimum) for a in without_rate}
    return {a: amounts[a] for a in parties}
