"""How far the world ccm ships reaches, and what the operator added to it since.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

Three tables are facts of the world that change on a calendar: the UN scale of
assessments (a new one every three years), the UN Office at Geneva's own holidays (the
Eids move every year) and the treaty's membership (the depositary's status). Each shipped
file says what it covers; an operator extends it without a release by recording, through
the worker, what the world published next, with its source (`ccm data …`): the events
`data.scale_added`, `data.holidays_added` and `data.registry_checked`. Warnings come six
months ahead, naming the file to extend and the source to take it from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from importlib import resources

from pydantic import BaseModel, Field

from domain.csvfile import Problems, rows
from domain.event_types import HolidaysAdded, RegistryChecked, ScaleAdded
from domain.events import Event
from domain.process import Refusal

WARN_DAYS = 183  # six months ahead
SCALE_SOURCE = (
    "the General Assembly's resolution on the scale of assessments, as the UN Committee on "
    "Contributions publishes it (https://www.un.org/en/ga/contributions/scale.shtml)"
)
HOLIDAYS_SOURCE = (
    "the official holidays of the United Nations Office at Geneva, announced each year "
    "(https://www.ungeneva.org/en/practical-information/holidays)"
)
REGISTRY_SOURCE = (
    "the depositary's status of the Convention, UNTC MTDSG XXVI-6 "
    "(https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XXVI-6&chapter=26)"
)
# An instrument deposited after an extract's date enters into force on the first day of the
# sixth month after (Art. 17): the extract knows the membership up to five months ahead.
REGISTRY_REACH_DAYS = 150


class Coverage(BaseModel):
    """One table of the world: the last day it answers for, where it came from, and how an
    operator extends it."""

    what: str
    until: date
    file: str
    source: str
    extend: str
    added: int = Field(0, description="additions the event log records beyond the shipped file")


class Added(BaseModel):
    """What the operator recorded, folded from the log (the latest of each wins)."""

    scales: list[ScaleAdded] = Field(default_factory=list)
    holidays: dict[date, str] = Field(default_factory=dict)
    registry_as_of: date | None = None
    count: dict[str, int] = Field(default_factory=dict)


DATA_EVENTS = ("data.scale_added", "data.holidays_added", "data.registry_checked")


def fold_added(events: Iterable[Event]) -> Added:
    added = Added()
    for ev in events:
        if ev.event_type == "data.scale_added":
            added.scales.append(ScaleAdded.model_validate(ev.payload))
        elif ev.event_type == "data.holidays_added":
            added.holidays |= HolidaysAdded.model_validate(ev.payload).days
        elif ev.event_type == "data.registry_checked":
            day = RegistryChecked.model_validate(ev.payload).as_of
            added.registry_as_of = max(added.registry_as_of or day, day)
        else:
            continue
        added.count[ev.event_type] = added.count.get(ev.event_type, 0) + 1
    return added


def _data(name: str) -> str:
    return resources.files("domain").joinpath(f"data/{name}").read_text("utf-8")


def shipped_registry_as_of() -> date:
    """The date of the depositary's status the shipped registry was read from (the latest
    `status as at DD-MM-YYYY` its sources name)."""
    found = re.findall(r"status as at (\d{2})-(\d{2})-(\d{4})", _data("ccm_membership_changes.csv"))
    return max(date(int(y), int(m), int(d)) for d, m, y in found)


def coverage(added: Added | None = None) -> list[Coverage]:
    """What the shipped tables, with the operator's additions, cover."""
    from domain.scale import SHIPPED, shipped_periods
    from domain.schedule import UN_HOLIDAYS_FILE, shipped_un_holidays

    added = added or Added()
    last_scale = max([b for _, b in shipped_periods()] + [s.years()[1] for s in added.scales])
    # A year of UN holidays is known once both Eids of it are.
    years: dict[int, int] = {}
    for day in [*shipped_un_holidays(), *added.holidays]:
        years[day.year] = years.get(day.year, 0) + 1
    last_holidays = max(y for y, n in years.items() if n >= 2)
    as_of = max(shipped_registry_as_of(), added.registry_as_of or date.min)
    return [
        Coverage(
            what="UN scale of assessments",
            until=date(last_scale, 12, 31),
            file=SHIPPED,
            source=SCALE_SOURCE,
            extend=f"ccm data add-scale FILE --period {last_scale + 1}-{last_scale + 3} --source …",
            added=len(added.scales),
        ),
        Coverage(
            what="UN Office at Geneva holidays",
            until=date(last_holidays, 12, 31),
            file=f"domain/data/{UN_HOLIDAYS_FILE}",
            source=HOLIDAYS_SOURCE,
            extend=f"ccm data add-holidays FILE --source …  (the Eids of {last_holidays + 1})",
            added=len(added.holidays),
        ),
        Coverage(
            what="States Parties (depositary's status)",
            until=as_of + timedelta(days=REGISTRY_REACH_DAYS),
            file="domain/data/ccm_membership_changes.csv",
            source=REGISTRY_SOURCE,
            extend="ccm states record … for each change, then ccm data checked-registry --as-of DAY --source …",
            added=1 if added.registry_as_of else 0,
        ),
    ]


def warnings(tables: list[Coverage], today: date) -> list[str]:
    """A line for each table that runs out within six months, or has (the membership only
    once it has: it can be checked only up to today)."""
    lines = []
    for c in tables:
        left = (c.until - today).days
        ahead = WARN_DAYS if c.file.endswith(("scale_of_assessments.csv", "holidays.csv")) else -1
        if left < 0:
            lines.append(
                f"the {c.what} known to ccm ran out on {c.until}: extend it with `{c.extend}` "
                f"(from {c.source}; shipped in {c.file})"
            )
        elif left <= ahead:
            lines.append(
                f"the {c.what} known to ccm runs out on {c.until}, in {left} days: extend it with "
                f"`{c.extend}` (from {c.source}; shipped in {c.file})"
            )
    return lines


def read_holidays(text: str) -> dict[date, str]:
    """`day,name` rows (as the shipped file): each a weekday the UN Office at Geneva keeps."""
    try:
        reader = rows(text, ["day", "name"], "line 1: the header must be day,name (the extra columns are ignored)")
    except ValueError as e:
        raise Refusal(str(e)) from None
    days: dict[date, str] = {}
    problems = Problems()
    for line, row in reader:
        try:
            day = date.fromisoformat(row["day"])
        except ValueError:
            problems.add(line, "day", f"{row['day']!r} is not a date (YYYY-MM-DD)")
            continue
        name = row["name"]
        if not name or len(name) > 100 or not name.isprintable():
            problems.add(line, "name", "a name of one line, at most 100 characters")
        elif day in days:
            problems.add(line, "", f"{day} appears twice")
        else:
            days[day] = name
    if problems:
        raise Refusal(str(problems))
    if not days:
        raise Refusal("the file has no holidays")
    return days
