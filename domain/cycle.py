"""The annual contribution cycle: whom a year bills, by which scale, and what each State
carries into it from the year before.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, field_validator

from domain.contributions import BudgetLine
from domain.money import CHF, Amount
from domain.process import Started
from domain.schedule import yearly_day

if TYPE_CHECKING:
    from domain.contributions import ContributionsReport
    from domain.states import State

# Whom a year bills when a State's membership begins or ends within it: one setting
# (CCM_MEMBERSHIP_RULE), printed by `start-all --dry-run` and stated in the call letter.
MembershipRule = Literal["any-day", "1-january"]
MEMBERSHIP_RULES: dict[str, str] = {
    "any-day": "every State for which the Convention is in force on at least one day of {year}",
    "1-january": "every State for which the Convention is in force on 1 January {year}",
}


def billed(state: State, year: int, rule: MembershipRule) -> bool:
    """Whether `state` (a `domain.states.State`) is billed for `year` under `rule`."""
    if rule == "1-january":
        return state.status_on(date(year, 1, 1)) == "party"
    return state.party_during(year)


def why_not_billed(state: State, year: int, rule: MembershipRule) -> str | None:
    """For a State that was a Party in some part of `year` but is not billed, or that left
    before it: the reason, in a sentence; None for one billed or never concerned."""
    if billed(state, year, rule):
        return None
    if state.withdrawn and state.withdrawn <= date(year, 1, 1) and state.entry_into_force:
        return f"its withdrawal took effect on {state.withdrawn}; arrears from earlier years are still chased"
    if state.party_during(year):
        return (
            f"the Convention entered into force for it on {state.entry_into_force}, after 1 January; "
            f"billed from {year + 1}"
        )
    return None


class CycleInput(Started):
    """Either a budget (with a scale of UN rates, by default the UN's own scale for the
    year, shipped with ccm) or the amounts themselves (CSV texts, kept in the schedule so
    that each January runs on what was configured)."""

    budget: Amount | None = None
    scale_csv: str | None = Field(None, description="state,rate; default: the shipped UN scale of the year")
    amounts_csv: str | None = None
    minimum: Amount = Decimal("100.00")
    membership_rule: MembershipRule = "any-day"
    msp_month_day: str | None = Field(None, pattern=r"^\d{2}-\d{2}$", description="MM-DD; default 1 September")
    language: str = Field("en", description="for a State whose contacts row names no language")
    auto_escalate_days: int | None = Field(None, ge=0, le=180)
    year: int | None = Field(None, description="default: the year the cycle runs in")

    @field_validator("msp_month_day")
    @classmethod
    def _every_year(cls, value: str | None) -> str | None:
        if value is not None:
            yearly_day(value)
        return value

    def msp_date(self, year: int) -> date | None:
        if not self.msp_month_day:
            return None
        month, day = yearly_day(self.msp_month_day)
        return date(year, month, day)

    def rule_text(self, year: int) -> str:
        return MEMBERSHIP_RULES[self.membership_rule].format(year=year)


class CycleAmounts(BaseModel):
    """What a year's cycle starts: each State's amount due, the arrears and credits it
    carries from the year before, the rate it was billed by, and who is not billed, why."""

    amounts: dict[str, CHF]
    arrears: dict[str, CHF] = Field(default_factory=dict)
    credits: dict[str, CHF] = Field(default_factory=dict)
    names: dict[str, str] = Field(default_factory=dict, description="alpha-3 -> the State's name that year")
    rates: dict[str, str | None] = Field(default_factory=dict, description="UN rate in percent; None: the minimum")
    period: str = ""
    scale_source: str = ""
    rule: str = ""
    not_billed: dict[str, str] = Field(default_factory=dict)
    languages: dict[str, str] = Field(default_factory=dict, description="alpha-3 -> en, fr or es (contacts.csv)")
    budget_lines: list[BudgetLine] = Field(default_factory=list, description="the year's budget file, if any")
    missing: str = Field("", description="what the year lacks to be billed (its UN scale), said instead of failing")

    def chased(self) -> list[str]:
        """States with something to chase: an amount due or arrears (a State that withdrew
        owes its arrears)."""
        return sorted(
            a for a in set(self.amounts) | set(self.arrears) if self.amounts.get(a, 0) + self.arrears.get(a, 0) > 0
        )


def carried(report: ContributionsReport) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(arrears, credits) a year's contributions report (`fold_contributions`) carries into
    the next: an unpaid balance unless it was waived or cancelled, and every credit (money
    received is never dropped)."""
    arrears = {
        s.state: s.outstanding for s in report.states if s.outstanding > 0 and s.outcome not in ("waived", "cancelled")
    }
    credits = {s.state: s.credit for s in report.states if s.credit > 0}
    return arrears, credits


class CycleResult(BaseModel):
    year: int
    started: list[str]
    existing: list[str]
    missing: str = ""
