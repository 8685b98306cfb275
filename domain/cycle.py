"""The annual contribution cycle: what a year's chases are started from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field, field_validator

from domain.money import Amount
from domain.process import Started
from domain.schedule import yearly_day


class CycleInput(Started):
    """Either a budget with a scale of UN rates, or the amounts themselves (CSV texts, kept
    in the schedule so that each January runs on what was configured)."""

    budget: Amount | None = None
    scale_csv: str | None = None
    amounts_csv: str | None = None
    minimum: Amount = Decimal("100.00")
    msp_month_day: str | None = Field(None, pattern=r"^\d{2}-\d{2}$", description="MM-DD; default 1 September")
    language: str = "en"
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


class CycleResult(BaseModel):
    year: int
    started: list[str]
    existing: list[str]
