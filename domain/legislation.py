"""National implementation (Article 9): what each source says of a State Party's legislation.

"Few States Parties have national legislation", and "the discrepancies in figures between
the Cluster Munition Monitor and the ISU-CCM was mostly due to the different sources of
information used" (the minutes of 4 November 2016, item 5.7). So each statement is kept
with its source and day (`state.legislation_recorded`), the latest of each source counts,
and where the sources' latest statements differ, both are shown, never averaged away.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel

from domain.event_types import typed
from domain.events import Event, NewEvent

LegislationStatus = Literal["adopted", "in_progress", "sufficient", "none", "no_information"]
Source = Literal["article7", "monitor", "isu", "other"]
STATUSES: dict[str, str] = {
    "adopted": "implementing legislation adopted",
    "in_progress": "legislation in progress",
    "sufficient": "existing law deemed sufficient",
    "none": "no legislation",
    "no_information": "no information",
}
SOURCES: dict[str, str] = {
    "article7": "its Article 7 report",
    "monitor": "the Cluster Munition Monitor",
    "isu": "the ISU-CCM",
    "other": "another source",
}


class Said(BaseModel):
    status: LegislationStatus
    as_of: date
    reference: str = ""


class StateLegislation(BaseModel):
    """A State's legislation as its sources last said it, by source."""

    state: str
    by_source: dict[Source, Said]

    @property
    def status(self) -> str:
        """The one status the sources agree on, `disputed` where they differ, or
        `no_information` where none has spoken."""
        said = {s.status for s in self.by_source.values()}
        if not said:
            return "no_information"
        return said.pop() if len(said) == 1 else "disputed"


def legislation_event(
    state: str, status: str, as_of: date, source: str, reference: str, note: str, actor: str, office: str
) -> NewEvent:
    """A source's statement as the row that records it: one per State, source and day."""
    from domain.schedule import utc_midnight

    return NewEvent(
        idempotency_key=f"legislation/{state}/{source}/{as_of.isoformat()}",
        workflow_id="legislation",
        subject=state,
        event_type="state.legislation_recorded",
        occurred_at=utc_midnight(as_of),
        actor=actor,
        office=office,
        payload={
            "status": status,
            "as_of": as_of.isoformat(),
            "source": source,
            "reference": reference,
            "note": note,
        },
    )


def fold_legislation(events: Iterable[Event], on: date) -> dict[str, StateLegislation]:
    """Each State's legislation on `on`: for each source, its latest statement made by then."""
    found: dict[str, StateLegislation] = {}
    for ev in events:
        p = typed(ev)
        if p.as_of > on:
            continue
        state = found.setdefault(ev.subject, StateLegislation(state=ev.subject, by_source={}))
        before = state.by_source.get(p.source)
        if before is None or p.as_of >= before.as_of:
            state.by_source[p.source] = Said(status=p.status, as_of=p.as_of, reference=p.reference)
    return found
