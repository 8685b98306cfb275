"""The contract between workflows and activities: what each activity takes and answers,
the names of the search attributes workflows show, and of the counters both sides keep
on the worker's metrics page. Both sides import this module;
neither imports the other.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.events import NewEvent
from domain.schedule import Participant, Schedule
from domain.universalization import Target

# A text longer than this travels as a document: stored once in the event log, named in
# the workflow by its SHA-256 (Temporal refuses payloads past 2 MB; a history holds many).
MAX_INLINE_TEXT = 64_000


class DocumentRef(BaseModel):
    """A document stored in the event log (`document.stored`, key `documents/<sha256>`)."""

    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, description="characters")
    name: str = Field("", max_length=200)


# Search attributes: name -> Temporal type, as the servers register them.
SEARCH_ATTRIBUTES = {
    "CcmState": "Keyword",
    "CcmYear": "Int",
    "CcmStage": "Keyword",
    "CcmTheme": "Keyword",
    "CcmOwner": "Keyword",
    "CcmDue": "Datetime",
}

# ccm's counters on the worker's metrics page: name -> description (Prometheus shows each
# with `_total`). Counted by activities, workflows and the worker (`runtime.metrics`, which
# also sets the ones the alerts read at 0 when it starts).
COUNTERS = {
    "ccm_letters_drawn": "letters drawn, by kind and language",
    "ccm_letters_held": "letters held, by kind and language",
    "ccm_messages_delivered": "messages delivered by SMTP",
    "ccm_delivery_attempts_failed": "SMTP deliveries that failed an attempt",
    "ccm_deliveries_failed": "messages given up on after a day of delivery attempts",
    "ccm_bank_lines": "bank statement lines, by outcome",
    "ccm_bank_unmatched_amount": "whole units of statement lines matched to no chase, by currency",
    "ccm_refusals": "commands refused, by code",
    "ccm_eventlog_appends": "rows written to the event log",
    "ccm_eventlog_transactions": "transactions that wrote rows to the event log (a group commit is one)",
}


class EventBatch(BaseModel):
    """Events of one step, appended in order in one transaction (`record_events`)."""

    events: list[NewEvent] = Field(min_length=1)


class LetterRequest(BaseModel):
    """A letter to a State, and the event that records it."""

    event: NewEvent
    letter: str
    language: str = "en"
    context: dict[str, Any] = Field(default_factory=dict)
    before: list[NewEvent] = Field(default_factory=list, description="events logged with it, first")


class Attachment(BaseModel):
    filename: str
    content_type: str  # with parameters: "text/calendar; method=REQUEST"
    data: str


class CalendarInvite(BaseModel):
    """The meeting an invitation, update or cancellation is about (rendered in the
    activity, not the workflow: the icalendar library reads time-zone files)."""

    meeting_id: str
    schedule: Schedule
    summary: str
    organizer: str
    participants: list[Participant]
    sequence: int
    method: str = "REQUEST"


class MessageRequest(BaseModel):
    """A message already written (invitation, agenda, minutes, reminder), and its event.
    A long body comes as `body_document`, read from the log when the message is written."""

    event: NewEvent
    to: list[str] = Field(default_factory=list)
    subject: str
    body: str
    body_document: DocumentRef | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    calendar: CalendarInvite | None = None
    before: list[NewEvent] = Field(
        default_factory=list, description="events of the same step, logged first in the message's transaction"
    )


class LetterOutcome(BaseModel):
    message_id: str
    # "queued" (written, to go by SMTP), "outbox" (no SMTP configured), "undelivered" (no
    # e-mail address: a letter to post), "held" (not written: a fact was missing, the
    # event says which); "smtp" in runs from before deliveries ran beside the workflow.
    delivery: str
    written: bool  # False when a retry found the letter already logged


class DeliveryRequest(BaseModel):
    """Deliver by SMTP the message written under `intent_key`, and log `event_type`
    (`chase.delivered`, …) once it is accepted."""

    intent_key: str
    event_type: str


class PageRequest(BaseModel):
    """A page to publish in the site folder (`template` in templates/pages/), and its event.
    A `text_document` (sha256) in the context is read from the log as `text`."""

    event: NewEvent
    template: str
    path: str = Field(description="relative to the site folder, e.g. concept-notes/7MSP-universalization.html")
    context: dict[str, Any] = Field(default_factory=dict)


class AgendaFactsRequest(BaseModel):
    """What a process's timer needs read from the log: a meeting's agenda facts, or a
    universalization target's count on its day."""

    previous_meeting: date | None = None
    meeting: date | None = Field(None, description="the meeting whose agenda it is: its concept notes")
    target: Target | None = Field(None, description="a target, counted on its day from the registry")


class ActionSummary(BaseModel):
    workflow_id: str
    owner: str
    text: str
    due: date


class AgendaFacts(BaseModel):
    """What the agenda needs from outside the meeting: open actions, pending minutes, and
    the concept notes to be presented at it (`Victim assistance (ITA, CHL)`)."""

    open_actions: list[ActionSummary]
    minutes_pending: date | None
    notes_to_present: list[str] = Field(default_factory=list)
    numbered: str = Field("", description="`the second meeting under the Presidency of Germany (…)`, when known")
    target_reached: int | None = Field(None, description="the target's count on its day")


class RebuildRequest(BaseModel):
    """A process to fold from the event log's rows (`ccm chase rebuild`, `ccm obligations
    rebuild`, `ccm task rebuild`): its input, as JSON."""

    input: str


class RebuildResult(BaseModel):
    snapshot: str = Field(description="the process as the log says it stands (JSON)")
    event_type: str = Field(description="the row that records the rebuild: `chase.rebuilt`")
    payload: dict[str, Any] = Field(default_factory=dict, description="what the rebuilt row records")


class StartCheck(BaseModel):
    """A process about to start, for the worker to check who started it."""

    office: str = ""
    arguments: dict[str, Any] = Field(default_factory=dict)
    signature: Any = None  # domain.process.CommandSignature


class VerifyRequest(BaseModel):
    """An update about to be applied, for the worker to check who signed it."""

    workflow_id: str
    update: str
    update_id: str
    office: str = ""
    arguments: dict[str, Any] = Field(default_factory=dict)
    signature: Any = None  # domain.process.CommandSignature (this module is imported by that one)
    proof: Any = None  # domain.signatures.EntryProof: a bank entry proves the command the worker sends for it
