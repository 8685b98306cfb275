"""Every event type the log holds, as a model: what its payload says, and since which schema.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

The event log can never be migrated: a row written in 2027 is read in 2040 by the code of
2040. So each event type has one model here, registered under its name with a schema
number. The log validates every payload on append and refuses a type it does not know
(`check_payload`); readers parse rows through the registry (`payload_of`), which upcasts
an older schema's payload to the current model before validating it.

Schema 1 payloads carry no number. A change to a payload's shape that an old reader could
not read raises the model's `SCHEMA`, writes `"schema": N` into new payloads, and adds an
upcaster from N-1 (`upcaster`); a key added with a default is no new schema.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date as date_
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain.events import NewEvent
from domain.money import Amount
from domain.signatures import Checkpoint, KeyRegistration, KeyRevocation
from domain.text import Reason, Short


class EventPayload(BaseModel):
    """What every payload may carry besides its own facts: the proof of who signed the
    command or start that wrote it (`workflows.process.start_proof`, `workflows.signing`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    SCHEMA: ClassVar[int] = 1

    # Read, never written back by a model: a payload is made by its aggregate or command.
    signed: dict[str, Any] | None = Field(None, exclude=True, description="the signed command or start that wrote it")
    proved: dict[str, Any] | None = Field(None, exclude=True, description="the bank entry's proof behind the command")
    schema_: int | None = Field(None, alias="schema", exclude=True, description="the payload's schema, where above 1")


M = TypeVar("M", bound=BaseModel)
Upcast = Callable[[dict[str, Any]], dict[str, Any]]  # a payload of one schema made one of the next

EVENT_TYPES: dict[str, type[BaseModel]] = {}
_UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def event(name: str) -> Callable[[type[M]], type[M]]:
    """Register a model as the payload of event type `name`."""

    def register(model: type[M]) -> type[M]:
        if name in EVENT_TYPES:
            raise ValueError(f"event type {name} is registered twice")
        EVENT_TYPES[name] = model
        return model

    return register


def upcaster(name: str, from_schema: int) -> Callable[[Upcast], Upcast]:
    """Register how a payload of `name` at `from_schema` becomes one of the next schema."""

    def register(fn: Upcast) -> Upcast:
        _UPCASTERS[(name, from_schema)] = fn
        return fn

    return register


class PayloadRefused(ValueError):
    """A payload its type's model does not accept: the log refuses to write it. An activity
    that meets one fails at once, never retried (`workflows.common.ACTIVITY_OPTIONS`): the
    same payload would be refused again for ever."""


class UnknownEventType(PayloadRefused):
    """An event type no model is registered for: the log refuses to write it."""


def _current(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    model = EVENT_TYPES[name]
    target = getattr(model, "SCHEMA", 1)
    schema = payload.get("schema", 1)
    while schema < target:
        step = _UPCASTERS.get((name, schema))
        if step is None:
            raise ValueError(f"{name}: no upcaster from schema {schema}")
        payload = step(dict(payload))
        schema += 1
        payload["schema"] = schema
    return payload


def payload_of(name: str, payload: dict[str, Any]) -> Any:
    """The payload of a row of type `name`, parsed into its current model."""
    if name not in EVENT_TYPES:
        raise UnknownEventType(f"unknown event type {name!r}: no model is registered for it (domain.event_types)")
    return EVENT_TYPES[name].model_validate(_current(name, payload))


def check_payload(name: str, payload: dict[str, Any]) -> None:
    """Refuse (ValueError, in one line) a payload its type's model does not accept, or an
    unknown type."""
    try:
        payload_of(name, payload)
    except ValidationError as bad:
        err = bad.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "payload"
        raise PayloadRefused(f"{name}: {where}: {err['msg'].removeprefix('Value error, ')}") from None


def typed(ev: NewEvent) -> Any:
    """The payload of a stored or new event, parsed."""
    return payload_of(ev.event_type, ev.payload)


# --- what an activity adds to the event of a message it wrote ------------------------------
class Sent(EventPayload):
    """A message written to the outbox (and sent, where `delivery` says so)."""

    message_id: str = ""
    subject: str = ""
    to: str = ""
    delivery: str = ""
    reason: str = Field("", description="why it was not delivered (no address), held or not sent")


class LetterSent(Sent):
    """A letter drawn from its template: which, in what language, under what number, signed by whom."""

    letter: str = ""
    language: str = ""
    reference_number: str = ""
    signed_by: str = ""


class Delivered(EventPayload):
    message_id: str
    to: str | list[str] = ""


class DeliveryFailed(EventPayload):
    message_id: str
    reason: str


for _kind in ("chase", "meeting", "action", "concept", "obligation"):
    event(f"{_kind}.delivered")(Delivered)
    event(f"{_kind}.delivery_failed")(DeliveryFailed)


# --- imported rows (`ccm import contributions`, `ccm obligations import`) --------------------
class _Imported(EventPayload):
    """What every imported row carries besides its own facts: where in the file it stood."""

    line: int = Field(ge=1)
    file_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


@event("chase.imported")
class ImportedDue(_Imported):
    amount_due: Amount = Field(ge=0)
    arrears: Amount = Field(ge=0)


@event("chase.receipt_imported")
class ImportedReceipt(_Imported):
    amount: Amount = Field(gt=0)
    date: date_
    reference: Short = ""
    budget_line: Literal["", "7a", "7b", "7c"]  # BUDGET_LINES


class ImportedSaid(_Imported):
    """A pledge or a report of payment, as a ledger says it."""

    amount: Amount | None = Field(None, gt=0)
    date: date_
    note: Reason = ""
    reference: Short = ""


event("chase.pledge_imported")(ImportedSaid)
event("chase.payment_report_imported")(ImportedSaid)


@event("chase.letter_imported")
class ImportedLetter(_Imported):
    """A letter sent before ccm (`ccm import letters`): its kind, day and reference. It
    counts among the chase's letters, and a later letter recalls it by number and date."""

    letter: Literal[
        "call_for_contributions", "second_reminder", "pre_msp_reminder", "president_letter", "thank_you"
    ]  # domain.chase.LetterKind, less the letter only a chase writes
    date: date_
    reference_number: Short = ""
    delivery: Literal["sent"] = Field("sent", description="it went (a letter held is not imported)")


@event("budget.set")
class BudgetSet(EventPayload):
    """The year's budget by line as the Meeting of States Parties approved it (`ccm budget
    set`); a later one for the year is a revision."""

    year: int = Field(ge=2010, le=2100)
    approved_on: date_
    lines: list[dict[str, Any]] = Field(min_length=1, max_length=3)
    decision: Short = Field(min_length=1, description="the decision's reference")
    carry_over: Amount = Field(ge=0, description="funds carried over from the year before")
    phasing: list[Decimal] = Field(
        default_factory=list, description="each month's share of the budget, in per cent (none: even)"
    )
    file_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("phasing")
    @classmethod
    def _twelve_months(cls, phasing: list[Decimal]) -> list[Decimal]:
        if phasing and (len(phasing) != 12 or any(p < 0 for p in phasing) or sum(phasing) != 100):
            raise ValueError("twelve months' shares, none negative, summing to 100")
        return phasing

    @field_validator("lines")
    @classmethod
    def _lines(cls, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        checked = [_BudgetRow.model_validate(b) for b in lines]
        if len({b.line for b in checked}) < len(checked):
            raise ValueError("each line once")
        return lines


class _BudgetRow(BaseModel):
    """A line of a budget as `budget.set` holds it (`domain.contributions.BudgetLine`)."""

    model_config = ConfigDict(extra="forbid")
    line: Literal["7a", "7b", "7c"]
    amount: Amount = Field(ge=0)
    kind: Literal["mandatory", "voluntary"]


@event("expenditure.recorded")
class ExpenditureRecorded(_Imported):
    """A row of the host's accounting (`ccm import expenditure`): what the Unit spent, or a
    fee the host or the UN took."""

    date: date_
    budget_line: Literal["", "7a", "7b", "7c"]
    amount: Amount = Field(gt=0)
    description: Short = ""
    document: Short = Field(min_length=1)
    kind: Literal["expenditure", "fee"] = "expenditure"


@event("obligation.imported")
class ObligationImported(_Imported):
    kind: Short
    period: Short
    due: date_
    date: date_ | None = Field(None, description="the day it was fulfilled, where it was")
    reference: Short = ""


# --- the contribution chase (`domain.chase`) -------------------------------------------------
@event("chase.started")
class ChaseStarted(EventPayload):
    amount_due: Decimal
    arrears: Decimal
    credit_carried: Decimal
    language: str
    msp_date: date_
    not_sent_retroactively: list[str] = Field(default_factory=list)


@event("chase.reminder_sent")
class ChaseReminderSent(LetterSent):
    reminder: int
    outstanding: Decimal | None = None


@event("chase.escalation_due")
class ChaseEscalationDue(Sent):
    outstanding: Decimal


@event("chase.escalated")
class ChaseEscalated(LetterSent):
    outstanding: Decimal
    decision: str = Field("", description="why the President wrote before the pre-MSP reminder had gone")


@event("chase.step_skipped")
class ChaseStepSkipped(EventPayload):
    step: str
    reason: str


@event("chase.reported_not_received")
class ChaseReportedNotReceived(LetterSent):
    reference: str = ""
    reported_on: date_


@event("chase.receipt_recorded")
class ChaseReceiptRecorded(EventPayload):
    amount: Decimal
    date: date_
    reference: str = ""
    budget_line: str = ""
    lines: dict[str, Decimal] = Field(
        default_factory=dict, description="its parts by line (7a, 7b, 7c, arrears, credit)"
    )
    allocated_by: Literal["", "payer", "line", "rule"] = Field("", description="who said the parts")
    excess: Literal["credit", "voluntary"] = Field(
        "credit", description="whether a part above everything due was a credit or a voluntary contribution (`7c+`)"
    )
    received: Decimal
    outstanding: Decimal


@event("chase.receipt_reversed")
class ChaseReceiptReversed(EventPayload):
    receipt: int
    amount: Decimal
    date: date_
    reference: str = ""
    budget_line: str = ""
    lines: dict[str, Decimal] = Field(default_factory=dict, description="the parts by line it takes back")
    reason: str
    received: Decimal
    outstanding: Decimal


@event("chase.payment_reported")
class ChasePaymentReported(EventPayload):
    date: date_
    amount: Decimal | None = None
    reference: str = ""
    follow_up_at: datetime


@event("chase.pledged")
class ChasePledged(EventPayload):
    expected_date: date_
    amount: Decimal | None = None
    note: str = ""


@event("chase.pledge_lapsed")
class ChasePledgeLapsed(EventPayload):
    expected_date: date_


@event("chase.msp_date_set")
class ChaseMspDateSet(EventPayload):
    from_: date_ = Field(alias="from")
    to: date_
    pre_msp_reminder_at: datetime


@event("chase.paid")
class ChasePaid(LetterSent):
    received: Decimal
    credit: Decimal
    covered_by_credit_carried: Decimal | None = Field(None, description="paid at the start by last year's credit")


@event("chase.reopened")
class ChaseReopened(EventPayload):
    outstanding: Decimal


@event("chase.due_corrected")
class ChaseDueCorrected(EventPayload):
    from_: Decimal = Field(alias="from")
    to: Decimal
    reason: str
    outstanding: Decimal
    credit: Decimal


class ChaseClosed(EventPayload):
    reason: str
    outstanding: Decimal


event("chase.waived")(ChaseClosed)
event("chase.cancelled")(ChaseClosed)


@event("chase.year_closed")
class ChaseYearClosed(EventPayload):
    outcome: str
    received: Decimal
    credit: Decimal


@event("chase.closed_in_arrears")
class ChaseClosedInArrears(EventPayload):
    received: Decimal
    arrears_carried: Decimal


@event("chase.rebuilt")
class ChaseRebuilt(EventPayload):
    generation: int
    amount_due: Decimal
    received: Decimal
    outstanding: Decimal
    receipts: int
    letters: int


# --- the annual cycle ---------------------------------------------------------------------
@event("cycle.chases_started")
class CycleChasesStarted(EventPayload):
    year: int
    started: list[str]
    existing: list[str]
    missing: str = ""


@event("cycle.not_billed")
class CycleNotBilled(EventPayload):
    missing: str


# --- bank statements (`domain.bank`, `activities.bank`) ------------------------------------
class _BankEntry(EventPayload):
    """An entry of a statement, with the statement it came in."""

    account: str
    statement: str
    format: str
    sha256: str
    entry: dict[str, Any]


@event("bank.entry_matched")
class BankEntryMatched(_BankEntry):
    chase: str
    how: str
    chf: Decimal | None = None


@event("bank.entry_reversed")
class BankEntryReversed(_BankEntry):
    chase: str
    reverses: str


@event("bank.entry_unmatched")
class BankEntryUnmatched(_BankEntry):
    reason: str
    guesses: list[str] = Field(default_factory=list)


@event("bank.entry_ignored")
class BankEntryIgnored(_BankEntry):
    reason: str


@event("bank.statement_imported")
class BankStatementImported(EventPayload):
    id: str
    account: str
    format: str
    sha256: str
    entries: int
    from_date: date_ | None = None
    to_date: date_ | None = None
    opening: Decimal | None = None
    closing: Decimal | None = None
    part: int = Field(0, ge=0, description="its place among one account's statements in the file (0: the only one)")


# --- meetings (`domain.meetings`) -----------------------------------------------------------
@event("meeting.scheduled")
class MeetingScheduled(Sent):
    date: date_ | None = None
    venue: str = ""
    sequence: int = 0
    reason: str = ""


@event("meeting.rescheduled")
class MeetingRescheduled(Sent):
    date: date_
    start: str
    end: str = ""
    venue: str
    sequence: int
    proposals_close_at: datetime | None = None


@event("meeting.cancelled")
class MeetingCancelled(Sent):
    reason: str
    sequence: int


@event("meeting.recorded")
class MeetingRecorded(EventPayload):
    date: date_
    venue: str


@event("meeting.held")
class MeetingHeld(EventPayload):
    date: date_


@event("meeting.item_proposed")
class MeetingItemProposed(EventPayload):
    title: str
    proposer: str = ""


@event("meeting.agenda_adopted")
class MeetingAgendaAdopted(EventPayload):
    items: list[dict[str, Any]]


@event("meeting.agenda_circulated")
class MeetingAgendaCirculated(Sent):
    items: list[str]
    sequence: int
    agenda: list[dict[str, Any]] = Field(default_factory=list, description="the items whole (number, title, details)")


@event("meeting.attendance_recorded")
class MeetingAttendanceRecorded(EventPayload):
    present: list[str]


@event("meeting.next_meeting_set")
class MeetingNextMeetingSet(EventPayload):
    date: date_


@event("meeting.action_item_added")
class MeetingActionItemAdded(EventPayload):
    action_item: str
    owner: str
    text: str
    due: date_
    fulfilled_by: str | None = None


@event("meeting.minutes_circulated")
class MeetingMinutesCirculated(Sent):
    sequence: int
    text: str = Field("", description="the minutes, where circulated inline")
    document: dict[str, Any] | None = Field(None, description="the minutes' stored document (sha256, size, name)")


@event("meeting.minutes_approved")
class MeetingMinutesApproved(EventPayload):
    at_meeting: date_
    approved_as: str
    corrections: str | None = None


# --- action items (`domain.action_items`) ---------------------------------------------------
@event("action.created")
class ActionCreated(EventPayload):
    owner: str
    text: str
    due: date_
    source: str


@event("action.reminder_sent")
class ActionReminderSent(Sent):
    due: date_


@event("action.overdue")
class ActionOverdue(EventPayload):
    due: date_


@event("action.completed")
class ActionCompleted(EventPayload):
    note: str = ""
    fulfilled_by: str | None = None


@event("action.extended")
class ActionExtended(EventPayload):
    new_due: date_
    reason: str


@event("action.reassigned")
class ActionReassigned(EventPayload):
    owner: str
    previous: str


@event("action.cancelled")
class ActionCancelled(EventPayload):
    reason: str


# --- concept notes and operational plans (`domain.concept_notes`) ----------------------------
@event("concept.started")
class ConceptStarted(EventPayload):
    theme: str
    msp: str
    meeting: date_
    circulate_by: datetime
    plan_due: date_
    coordinators: list[str] = Field(default_factory=list, description="the term's, as the run has them")


@event("concept.version_submitted")
class ConceptVersionSubmitted(EventPayload):
    version: int
    summary: str
    characters: int
    document: str | None = None
    document_name: str = ""
    text: str = Field("", description="the version, where circulated inline")
    late: bool
    circulated_on: date_ | None = None


@event("concept.commented")
class ConceptCommented(EventPayload):
    text: str


@event("concept.changes_requested")
class ConceptChangesRequested(EventPayload):
    plan_version: int
    comments: str


class _Version(EventPayload):
    version: int


event("concept.final_approved")(_Version)
event("concept.plan_approved")(_Version)


class _VersionPublished(EventPayload):
    version: int
    page: str = ""


event("concept.published")(_VersionPublished)
event("concept.plan_published")(_VersionPublished)


@event("concept.plan_due_set")
class ConceptPlanDueSet(EventPayload):
    due: date_
    previous: date_


@event("concept.plan_reminder_sent")
class ConceptPlanReminderSent(Sent):
    due: date_


@event("concept.plan_overdue")
class ConceptPlanOverdue(Sent):
    due: date_
    told: str = ""


@event("concept.plan_submitted")
class ConceptPlanSubmitted(EventPayload):
    version: int
    due: date_
    late: bool
    days_late: int
    steps: int
    plan: list[dict[str, Any]] = Field(default_factory=list, description="the plan's steps")


@event("concept.withdrawn")
class ConceptWithdrawn(EventPayload):
    reason: str


# --- obligations (`domain.obligations`) ------------------------------------------------------
@event("obligation.started")
class ObligationStarted(EventPayload):
    kind: str
    period: str
    due: date_
    due_source: str
    unrecorded: bool = Field(False, description="started after its due date, with nothing recorded for it")


@event("obligation.reminder_sent")
class ObligationReminderSent(Sent):
    due: date_
    overdue: bool = False


@event("obligation.overdue")
class ObligationOverdue(EventPayload):
    due: date_
    told: str = ""


@event("obligation.overdue_confirmed")
class ObligationOverdueConfirmed(EventPayload):
    """An obligation with no report recorded, confirmed overdue by the ISU."""

    due: date_
    told: str = ""
    reason: str


@event("obligation.coordinators_told")
class ObligationCoordinatorsTold(Sent):
    due: date_
    told: str = ""


@event("obligation.fulfilled")
class ObligationFulfilled(EventPayload):
    date: date_
    due: date_
    on_time: bool
    reference: str = ""


@event("obligation.extension_requested")
class ObligationExtensionRequested(EventPayload):
    new_due: date_
    meeting: date_
    submitted: date_
    reason: str


@event("obligation.extension_decided")
class ObligationExtensionDecided(EventPayload):
    granted: bool
    decision: str
    decided_by: str
    meeting: date_
    due: date_


@event("obligation.exempted")
class ObligationExempted(EventPayload):
    reason: str


@event("obligation.due_overridden")
class ObligationDueOverridden(EventPayload):
    from_: date_ = Field(alias="from")
    to: date_
    reason: str


class ProcessRebuilt(EventPayload):
    generation: int
    stage: str
    due: date_
    rows: int = Field(description="the rows of earlier generations it was folded from")


event("obligation.rebuilt")(ProcessRebuilt)
event("action.rebuilt")(ProcessRebuilt)
event("meeting.rebuilt")(ProcessRebuilt)
event("concept.rebuilt")(ProcessRebuilt)


# --- records a command writes (`domain.records.RECORD_RULES`) --------------------------------
@event("state.recorded")
class StateRecorded(EventPayload):
    event: str
    date: date_
    # written since withdrawals took effect a year after the deposit; before, the date was
    # the day it took effect and the key was absent
    takes_effect: date_ | None = None
    entry_into_force: date_ | None = None


@event("state.legislation_recorded")
class LegislationRecorded(EventPayload):
    """What a source said of a State's implementing legislation (Article 9), on its day."""

    status: Literal["adopted", "in_progress", "sufficient", "none", "no_information"]
    as_of: date_
    source: Literal["article7", "monitor", "isu", "other"]
    reference: str = Field("", max_length=300)
    note: str = Field("", max_length=2_000)


# --- universalization campaigns (`domain.campaigns`) -------------------------------------------
@event("campaign.started")
class CampaignStarted(EventPayload):
    category: Literal["administrative", "political"]
    coordinator: str
    target: str = ""
    meetings: list[date_] = Field(default_factory=list)


@event("campaign.outreach_recorded")
class CampaignOutreachRecorded(EventPayload):
    kind: Literal["letter", "visit", "meeting", "call", "workshop"]
    day: date_
    note: str


@event("campaign.meeting_noted")
class CampaignMeetingNoted(EventPayload):
    day: date_


@event("campaign.reminder_sent")
class CampaignReminderSent(Sent):
    meeting: date_
    coordinator: str


@event("campaign.letter_sent")
class CampaignLetterSent(LetterSent):
    """The President's outreach letter to the State's head of mission."""

    has_signed: bool = Field(False, description="the State had signed: it was asked to ratify")


@event("campaign.joined")
class CampaignJoined(EventPayload):
    event: Literal["accession", "ratification"]
    deposited: date_


@event("campaign.closed")
class CampaignClosed(EventPayload):
    reason: str


event("campaign.rebuilt")(ProcessRebuilt)


@event("target.watched")
class TargetWatched(EventPayload):
    target: str
    measure: Literal["parties", "joined"]
    count: int
    by: date_


@event("target.met")
class TargetMet(EventPayload):
    """Counted on its day from the registry as the log held it (`domain.target_watch`)."""

    target: str
    count: int
    reached: int
    by: date_


event("target.missed")(TargetMet)
event("target.rebuilt")(ProcessRebuilt)


# --- the Committee's events and Country Coalitions (`domain.outreach`) ----------------------
@event("outreach.planned")
class OutreachPlanned(EventPayload):
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["workshop", "side_event", "meeting", "visit"]
    host: str = Field(min_length=1, max_length=200)
    place: str = Field(min_length=1, max_length=200)
    first_day: date_
    last_day: date_
    owner: str = Field(min_length=1, max_length=100)
    theme: str = Field("", max_length=100)
    targets: list[str] = Field(default_factory=list, max_length=200)
    funder: str = Field("", max_length=200)
    funding: Literal["none", "requested", "granted", "refused"] = "none"


@event("outreach.funding_set")
class OutreachFundingSet(EventPayload):
    funder: str = Field(min_length=1, max_length=200)
    funding: Literal["none", "requested", "granted", "refused"]


@event("outreach.outcome_recorded")
class OutreachOutcomeRecorded(EventPayload):
    text: str = Field(min_length=1, max_length=20_000)


@event("outreach.cancelled")
class OutreachCancelled(EventPayload):
    reason: str = Field(min_length=1, max_length=2_000)


@event("coalition.recorded")
class CoalitionRecorded(EventPayload):
    target: str = Field(pattern=r"^[A-Z]{3}$")
    lead: str = Field(pattern=r"^[A-Z]{3}$")
    donors: list[str] = Field(default_factory=list, max_length=100)
    stakeholders: list[str] = Field(default_factory=list, max_length=100)
    status: Literal["proposed", "active", "closed"]
    events: list[str] = Field(default_factory=list, max_length=100)
    funding_line: str = Field("", max_length=20)
    note: str = Field("", max_length=2_000)
    since: date_


@event("coordinators.recorded")
class CoordinatorsRecorded(EventPayload):
    """Who holds an office in a term, as its source says (`domain.office_holders`)."""

    term: str = Field(pattern=r"^\d{1,3}(MSP|RC)$")
    theme: str = Field(min_length=1, max_length=60, description="a theme's slug, or `presidency`")
    states: list[str] = Field(min_length=1, max_length=4)
    source: str = Field(min_length=1, max_length=300)

    @field_validator("states")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        if any(len(s) != 3 or not s.isascii() or not s.isupper() for s in value) or len(set(value)) < len(value):
            raise ValueError("alpha-3 codes, each once")
        return value


@event("unga.vote_recorded")
class UngaVoteRecorded(EventPayload):
    """A Member State's vote on a General Assembly resolution (the UN Digital Library's data)."""

    resolution: str = Field(pattern=r"^A/RES/\d{1,3}/\d{1,4}$")
    date: date_
    vote: Literal["yes", "no", "abstain", "non_voting"]
    title: str = Field("", max_length=300)
    source: str = Field("", max_length=300)
    file_sha256: str = ""
    line: int = 0


@event("decision.recorded")
class DecisionRecorded(EventPayload):
    decision: str
    year: int | None = None
    states: list[str] | None = None
    # The President's letters: beside the States written to (those that sent nothing), the
    # lists the Presidency decided on apart and did not write to.
    pledged: list[str] | None = Field(None, description="said they would pay: not written to")
    reported: list[str] | None = Field(None, description="reported a payment that has not arrived: not written to")
    partial: list[str] | None = Field(None, description="paid part: not written to unless the decision names them")
    sent: bool | None = None
    why: str | None = None
    at_meeting: date_ | None = None


@event("document.stored")
class DocumentStored(EventPayload):
    name: str
    sha256: str
    size: int
    parts: int


@event("document.part")
class DocumentPart(EventPayload):
    part: int
    sha256: str
    text: str


event("key.registered")(KeyRegistration)
event("log.checkpoint")(Checkpoint)
event("key.revoked")(KeyRevocation)


# --- the world's tables an operator adds (`ccm data`, `domain.coverage`) ----------------------
@event("data.scale_added")
class ScaleAdded(EventPayload):
    """A UN scale the operator recorded: its three-year period and rates in percent."""

    period: str = Field(pattern=r"^\d{4}-\d{4}$")
    rates: dict[str, Decimal]
    source: str = Field(min_length=1, max_length=2_000)

    def years(self) -> tuple[int, int]:
        first, last = map(int, self.period.split("-"))
        return first, last


@event("data.holidays_added")
class HolidaysAdded(EventPayload):
    days: dict[date_, str]
    source: str = Field(min_length=1, max_length=2_000)


@event("data.registry_checked")
class RegistryChecked(EventPayload):
    as_of: date_
    source: str = Field(min_length=1, max_length=2_000)


@event("system.ping")
class SystemPing(EventPayload):
    """`ccm doctor`'s probe that a worker writes the log."""

    note: str = ""
