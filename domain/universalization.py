"""Universalization targets and their progress on any day, counted from the registry.

A target is data (`data/universalization_targets.csv`, each with its source): a number of
States Parties by a day (`parties`), or of States joining between two days (`joined`:
instruments of ratification or accession deposited, the Convention's own count of "new
States Parties" before they are bound six months later).

Runs inside workflows (a target watched to its day, `domain.target_watch`): deterministic,
and a change to what it decides is a workflow change."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.csvfile import rows
from domain.states import Registry


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    target: str = Field(min_length=1, max_length=200)
    measure: Literal["parties", "joined"]
    count: int = Field(ge=1, le=1_000)
    baseline: date | None = None
    by: date
    source: str = Field(min_length=1, max_length=2_000)


class Progress(BaseModel):
    target: Target
    on: date
    reached: int
    standing: Literal["met", "missed", "open"]

    @property
    def said(self) -> str:
        t = self.target
        if self.standing == "open":
            return f"open: {self.reached} of {t.count}, {t.count - self.reached} to go by {t.by}"
        return f"{self.standing}: {self.reached} of {t.count} on {t.by}"


def parse_targets_csv(text: str) -> list[Target]:
    columns = ["id", "target", "measure", "count", "baseline", "by", "source"]
    found = []
    for line, row in rows(text, columns, f"targets: line 1 must name the columns {', '.join(columns)}"):
        try:
            target = Target.model_validate({k: v or None for k, v in row.items()})
        except ValueError as e:
            raise ValueError(f"targets: line {line}: {str(e).splitlines()[0]}") from None
        if target.measure == "joined" and target.baseline is None:
            raise ValueError(f"targets: line {line}: a count of States joining needs its baseline day")
        found.append(target)
    return found


@lru_cache(maxsize=1)
def targets() -> tuple[Target, ...]:
    text = resources.files("domain").joinpath("data/universalization_targets.csv").read_text("utf-8")
    return tuple(parse_targets_csv(text))


def joined_between(registry: Registry, after: date, until: date) -> list[str]:
    """The States whose instrument of ratification or accession was deposited after `after`
    and by `until`, and had not withdrawn by `until`."""
    return sorted(
        s.alpha3
        for s in registry
        if any(c.change != "withdrawal" and after < c.deposited <= until for c in s.changes)
        and s.status_on(until) != "withdrawn"
    )


def progress(registry: Registry, target: Target, on: date) -> Progress:
    """Where a target stands on `on`: counted on its day once that has passed."""
    day = min(on, target.by)
    if target.measure == "parties":
        reached = len(registry.parties(day))
    else:
        assert target.baseline is not None
        reached = len(joined_between(registry, target.baseline, day))
    if reached >= target.count:
        standing = "met"
    else:
        standing = "missed" if on >= target.by else "open"
    return Progress(target=target, on=on, reached=reached, standing=standing)
