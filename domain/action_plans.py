"""The action plans the States Parties adopt at a Review Conference (Vientiane 2010,
Dubrovnik 2015, Lausanne 2021), the one in force on a day, and what each of their areas
serves: the Committee's themes, the obligations ccm follows and the universalization
targets. Shipped with sources in `domain/data/action_plans.csv` and
`domain/data/action_plan_areas.csv`; an area names its actions where a source does
(the Lausanne Action Plan's Actions 10 and 11 on universalization).

A plan is in force from the day it is adopted until the next is: the minutes of
4 November 2016 work under the Dubrovnik Action Plan, a concept note of 2022 under the
Lausanne Action Plan. A target belongs to the plan that set it, whatever the day."""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

from pydantic import BaseModel

from domain.csvfile import rows


class Plan(BaseModel):
    plan: str
    adopted: date
    meeting: str
    period: str
    source: str


class Area(BaseModel):
    plan: str
    area: str
    actions: list[int]
    serves: list[str]  # theme slugs, `obligation:<kind>`, `target:<id>`
    source: str

    def said(self) -> str:
        """`Lausanne Action Plan: Universalization (Actions 10, 11)`."""
        actions = f" (Actions {', '.join(map(str, self.actions))})" if self.actions else ""
        return f"{self.plan}: {self.area}{actions}"


def _read(name: str) -> str:
    return resources.files("domain").joinpath(f"data/{name}").read_text("utf-8")


@cache
def plans() -> tuple[Plan, ...]:
    columns = ["plan", "adopted", "meeting", "period", "source"]
    found = [Plan.model_validate(r) for _, r in rows(_read("action_plans.csv"), columns, "action plans")]
    return tuple(sorted(found, key=lambda p: p.adopted))


@cache
def areas() -> tuple[Area, ...]:
    columns = ["plan", "area", "actions", "serves", "source"]
    return tuple(
        Area(
            plan=r["plan"],
            area=r["area"],
            actions=[int(a) for a in r["actions"].split()],
            serves=r["serves"].split(),
            source=r["source"],
        )  # fmt: skip
        for _, r in rows(_read("action_plan_areas.csv"), columns, "action plan areas")
    )


def in_force(day: date) -> Plan | None:
    """The plan adopted last on or before `day` (None before the Vientiane Action Plan)."""
    adopted = [p for p in plans() if p.adopted <= day]
    return adopted[-1] if adopted else None


def serving(what: str, day: date) -> Area | None:
    """The area that `what` serves (a theme's slug, `obligation:<kind>`, `target:<id>`): in
    the plan in force on `day`; a target, in the plan that set it."""
    if what.startswith("target:"):
        return next((a for a in areas() if what in a.serves), None)
    plan = in_force(day)
    return next((a for a in areas() if plan and a.plan == plan.plan and what in a.serves), None)
