"""Who holds the Convention's offices in a term: the Presidency of each meeting and the
coordinators of each theme.

Runs inside workflows (a run started without its coordinators takes the shipped data's):
deterministic, and a change to what it decides is a workflow change.

A term is named by the meeting it leads up to (`7MSP`: from the 6MSP's close to the 7MSP's,
the Presidency of Germany, whose Committee minuted the 2016 pairs). The shipped data
(`domain/data/treaty_meetings.csv` for the Presidencies, `domain/data/coordinators.csv` for
the coordinators) holds what its sources say; an operator records the rest with
`ccm coordinators set` (`coordinators.recorded`), each row with its source, the later row
for a term and theme counting.

Coordinators hold office until the next designation: for a term with no row, the latest
earlier term's coordinators are in office, and `carried_from` says so. A theme with none
(the Presidency's Country Coalitions paper) is coordinated by the Presidency."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, Field

from domain.event_types import typed
from domain.events import Event, NewEvent
from domain.process import Refusal
from domain.themes import THEMES_BY_SLUG
from domain.treaty_meetings import presiding_on, treaty_meetings

PRESIDENCY = "presidency"  # the `theme` of a recorded Presidency
TERM = re.compile(r"^(\d{1,3})(MSP|RC)$")
Alpha3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Holding(BaseModel):
    """Who holds one office in one term, and on what authority."""

    term: str
    theme: str = Field(description="a theme's slug, or `presidency`")
    states: list[str] = Field(description="alpha-3 codes")
    source: str
    carried_from: str = Field("", description="the earlier term whose holders are still in office")


def term_rank(term: str) -> int | None:
    """Order of terms: the table's meetings in date order, then later MSPs by number; None
    for a term it cannot place (before the table, or no meeting's name)."""
    m = TERM.match(term)
    known = [mt.short for mt in treaty_meetings()]
    if not m:
        return None
    if term in known:
        return known.index(term)
    last_msp = max(mt.number for mt in treaty_meetings() if mt.kind == "MSP")
    if m.group(2) == "MSP" and int(m.group(1)) > last_msp:
        return len(known) + int(m.group(1)) - last_msp
    return None


def check_term(term: str) -> str:
    """`term`, or a Refusal saying what a term is."""
    if term_rank(term) is None:
        first = treaty_meetings()[0].short
        raise Refusal(
            f"{term!r} is no term: a meeting from the {first} on (7MSP, 2RC), or a Meeting of States Parties after them"
        )
    return term


def term_on(day: date) -> str:
    """The term in office on `day`: the meeting whose Presidency holds office then."""
    return presiding_on(day).short


@cache
def shipped() -> tuple[Holding, ...]:
    rows: list[Holding] = []
    text = resources.files("domain").joinpath("data/coordinators.csv").read_text("utf-8")
    for r in csv.DictReader(io.StringIO(text)):
        rows.append(Holding(term=r["term"], theme=r["theme"], states=r["states"].split(), source=r["source"]))
    text = resources.files("domain").joinpath("data/treaty_meetings.csv").read_text("utf-8")
    for r in csv.DictReader(io.StringIO(text)):
        term = f"{r['number']}{r['kind']}"
        rows.append(Holding(term=term, theme=PRESIDENCY, states=[r["presidency"]], source=r["presidency_source"]))
    return tuple(rows)


def holdings(recorded: Iterable[Holding] = ()) -> dict[tuple[str, str], Holding]:
    """(term, theme) -> its holding: the shipped rows, then the recorded ones over them."""
    return {(h.term, h.theme): h for h in (*shipped(), *recorded)}


def holders(term: str, theme: str, table: Mapping[tuple[str, str], Holding] | None = None) -> Holding | None:
    """The holders of `theme` (or the Presidency) in `term`; coordinators carried from the
    latest earlier term with a row; None where no term up to `term` has one."""
    table = holdings() if table is None else table
    if (term, theme) in table:
        return table[(term, theme)]
    if theme == PRESIDENCY:
        return None  # a Presidency is designated for its meeting, never carried
    rank = term_rank(term)
    if rank is None:
        return None
    earlier = [h for (t, s), h in table.items() if s == theme and (term_rank(t) or 0) < rank]
    if not earlier:
        return None
    latest = max(earlier, key=lambda h: term_rank(h.term) or 0)
    return latest.model_copy(update={"carried_from": latest.term, "term": term})


def coordinators(term: str, theme: str, table: Mapping[tuple[str, str], Holding] | None = None) -> list[str]:
    """The States coordinating `theme` in `term` (empty: the Presidency coordinates it)."""
    held = holders(term, theme, table)
    return list(held.states) if held else []


def check_holding(payload: dict[str, Any]) -> None:
    """What `ccm coordinators set` accepts, whoever sends the row: a term the table places,
    a coordinated theme with one or two States, or the Presidency with one; else a Refusal."""

    term, theme, states = payload["term"], payload["theme"], payload["states"]
    check_term(term)
    if theme == PRESIDENCY:
        if len(states) != 1:
            raise Refusal("one State presides")
    elif theme not in THEMES_BY_SLUG or not THEMES_BY_SLUG[theme].coordinators:
        themes = ", ".join(t.slug for t in THEMES_BY_SLUG.values() if t.coordinators)
        raise Refusal(f"{theme!r} is no coordinated theme: one of {themes}")
    elif not 1 <= len(states) <= 2:
        raise Refusal("one or two States coordinate a theme")


def from_events(rows: Iterable[Event]) -> list[Holding]:
    """The holdings `coordinators.recorded` rows set, in the log's order."""
    return [Holding.model_validate(typed(row).model_dump()) for row in rows]


def holding_event(holding: Holding, number: int, occurred_at: datetime, actor: str, office: str) -> NewEvent:
    """The `number`th recorded row for a term and theme (one per change; the last counts)."""
    return NewEvent(
        idempotency_key=f"coordinators/{holding.term}/{holding.theme}/{number}",
        workflow_id="coordinators",
        subject=holding.theme,
        event_type="coordinators.recorded",
        occurred_at=occurred_at,
        actor=actor,
        office=office,
        payload=holding.model_dump(mode="json", exclude={"carried_from"}),
    )
