"""The Committee's events and its Country Coalitions: what the minutes speak of beyond its
own meetings.

Events: workshops (Lebanon's on clearance, one on universalization in South-East Asia
"funds permitting", one Cameroon asked for "like Addis Ababa's"), side events (the APMBC's,
the Mine Action Directors' meeting), meetings of others (ASEAN's Inter-Sessional Meeting),
visits. Each is recorded with its host, place, days, target States, funder and the state
of its funding; its outcome note (the feedback the President asked for on Lebanon's) is an
action item of its owner, due 30 days after it, with the action items' reminders.

Country Coalitions (the Presidency's non-paper of 4 November 2016): a target State, a lead
or donor State, donors, stakeholders, a status, the events held for it and a funding line.

Both are rows of the event log written by the worker (`record_outreach`,
`record_coalition`), folded here; a change is a new row, never an edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.event_types import EventPayload, OutreachPlanned, typed
from domain.events import Event, NewEvent
from domain.schedule import utc_midnight

EventKind = Literal["workshop", "side_event", "meeting", "visit"]
Funding = Literal["none", "requested", "granted", "refused"]
CoalitionStatus = Literal["proposed", "active", "closed"]
OUTCOME_DAYS = 30  # the outcome note is due this many days after the event's last day


def event_id(title: str, first_day: date) -> str:
    """`event-2016-11-28-clearance-workshop-lebanon`: its first day and its title's words."""
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return f"event-{first_day.isoformat()}-{words or 'event'}"


def outcome_due(last_day: date) -> date:
    return last_day + timedelta(days=OUTCOME_DAYS)


class OutreachEvent(BaseModel):
    """An event as its rows tell it on a day."""

    id: str
    title: str
    kind: EventKind
    host: str
    place: str
    first_day: date
    last_day: date
    owner: str
    theme: str = ""
    targets: list[str] = Field(default_factory=list)
    funder: str = ""
    funding: Funding = "none"
    outcome: str = ""
    cancelled: str = ""

    def stage(self, on: date) -> str:
        if self.cancelled:
            return "cancelled"
        if self.outcome:
            return "outcome recorded"
        if on < self.first_day:
            return "planned"
        return "under way" if on <= self.last_day else "held"


def outreach_event(event_type: str, wid: str, key: str, day: date, actor: str, office: str, **payload: Any) -> NewEvent:
    """A row of an event's record (`outreach.*`), keyed by the event and what it says."""
    return NewEvent(
        idempotency_key=f"{wid}/{key}",
        workflow_id=wid,
        subject=wid,
        event_type=event_type,
        occurred_at=utc_midnight(day),
        actor=actor,
        office=office,
        payload=payload,
    )


def planned_event(event: OutreachEvent, recorded_on: date, actor: str, office: str) -> NewEvent:
    """The row that records an event (`outreach.planned`), as of the day it is recorded."""
    payload = event.model_dump(mode="json", include=set(OutreachPlanned.model_fields) - set(EventPayload.model_fields))
    return outreach_event("outreach.planned", event.id, "planned", recorded_on, actor, office, **payload)


def fold_events(rows: Iterable[Event]) -> dict[str, OutreachEvent]:
    """Each event as its rows, in log order, tell it."""
    found: dict[str, OutreachEvent] = {}
    for row in rows:
        p = typed(row)
        if row.event_type == "outreach.planned":
            found[row.workflow_id] = OutreachEvent(id=row.workflow_id, **p.model_dump())
            continue
        event = found.get(row.workflow_id)
        if event is None:
            continue
        if row.event_type == "outreach.funding_set":
            event.funder, event.funding = p.funder, p.funding
        elif row.event_type == "outreach.outcome_recorded":
            event.outcome = p.text
        elif row.event_type == "outreach.cancelled":
            event.cancelled = p.reason
    return found


class Coalition(BaseModel):
    """A Country Coalition as its latest row says it."""

    target: str
    lead: str
    donors: list[str] = Field(default_factory=list)
    stakeholders: list[str] = Field(default_factory=list)
    status: CoalitionStatus = "proposed"
    events: list[str] = Field(default_factory=list)
    funding_line: str = ""
    note: str = ""
    since: date


def coalition_event(coalition: Coalition, number: int, actor: str, office: str) -> NewEvent:
    """The coalition for a target State as set now: its `number`th row (one per change)."""
    return NewEvent(
        idempotency_key=f"coalition-{coalition.target}/{number}",
        workflow_id=f"coalition-{coalition.target}",
        subject=coalition.target,
        event_type="coalition.recorded",
        occurred_at=utc_midnight(coalition.since),
        actor=actor,
        office=office,
        payload=coalition.model_dump(mode="json"),
    )


def fold_coalitions(rows: Iterable[Event]) -> dict[str, Coalition]:
    """Each target State's coalition as its latest row says it."""
    return {row.subject: Coalition.model_validate(typed(row).model_dump()) for row in rows}
