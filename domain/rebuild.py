"""A process rebuilt from the event log, the system of record: for a run that can no longer
run (its history does not replay), `ccm chase rebuild` (and `ccm obligations rebuild`,
`ccm task rebuild`) starts a new generation whose state is this fold.

The fold drives the process's own rules again with what the log recorded: each command its
event names (a receipt, a reversal, a correction, a report, a pledge, a new MSP date, an
escalation, a closing; a fulfilment, an extension asked and decided, a new due date), and
each timer at the moment its event says it fired. What that writes must be what the log
holds, key for key; where it is not, the fold refuses, and nothing is started on a guess.

Meetings and concept notes are rebuilt the same way: their rows hold what they circulated
(the agenda, the minutes, a version's text or stored document, a plan's steps)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from domain.action_items import ActionItem, ActionItemInput, CancelAction, Complete, Extend, Reassign
from domain.action_items import Fulfil as ActionFulfil
from domain.campaigns import (
    Campaign,
    CampaignInput,
    CloseCampaign,
    Joined,
    NoteMeeting,
    RecordOutreach,
    SendLetter,
)
from domain.chase import (
    Chase,
    ChaseInput,
    Close,
    CorrectDue,
    Escalate,
    Pledge,
    RecordReceipt,
    ReportPayment,
    ReverseReceipt,
    SetMspDate,
)
from domain.concept_notes import (
    Comment,
    ConceptNote,
    ConceptNoteInput,
    Plan,
    RequestChanges,
    SetPlanDue,
    SubmitPlan,
    SubmitVersion,
    Withdraw,
)
from domain.contract import DocumentRef
from domain.contributions import ABOVE
from domain.event_types import typed
from domain.ids import chase_id
from domain.meetings import (
    AddActionItem,
    AgendaItem,
    ApproveMinutes,
    CancelMeeting,
    CirculateMinutes,
    Meeting,
    MeetingInput,
    ProposeItem,
    RecordAgenda,
    RecordAttendance,
    Reschedule,
    SetNextMeeting,
)
from domain.obligations import (
    ConfirmOverdue,
    DecideExtension,
    Exempt,
    Obligation,
    ObligationInput,
    OverrideDue,
    RequestExtension,
)
from domain.obligations import Fulfil as ObligationFulfil
from domain.process import Acting, Effect, Letter, Log, Message, Publish, Refusal
from domain.schedule import Schedule, geneva_date

# Events a timer writes: the fold fires the process's next action at the event's time.
CHASE_TIMED = frozenset(
    {
        "chase.reminder_sent",
        "chase.closed_in_arrears",
        "chase.year_closed",
        "chase.reported_not_received",
        "chase.pledge_lapsed",
        "chase.step_skipped",
    }
)


def generation_of(workflow_id: str, idempotency_key: str) -> int:
    """The generation a row's key belongs to: `<id>/<key>` is the first, `<id>/g2/<key>` the
    second."""
    found = re.match(re.escape(workflow_id) + r"/g(\d+)/", idempotency_key)
    return int(found.group(1)) if found else 1


def key_in_generation(key: str, generation: int) -> str:
    """An effect's key as the rows of that generation name it."""
    return key if generation == 1 else f"g{generation}/{key}"


def _bare(workflow_id: str, idempotency_key: str) -> str:
    """A row's key without its workflow id and generation: `receipt-4`."""
    return idempotency_key.removeprefix(f"{workflow_id}/").split("/")[-1]


# A command the log's row names, applied to the process at the row's time: its effects, or
# None for a row no command writes (a delivery, a rebuild's own row).
Redo = Callable[[Any, str, dict[str, Any], dict[str, str], datetime], list[Effect] | None]

P = TypeVar("P")


def replay(process: P, workflow_id: str, rows: list[Any], generation: int, timed: frozenset[str], redo: Redo) -> P:
    """Drive `process` (new, not started) through its rows: its start, then each timer
    and command in the log's order, checking that its rules write the rows the log holds
    and nothing else. `rows` are this run's, of the generations before `generation`. A
    Refusal where they cannot be reproduced."""
    agg: Any = process
    prefix = rows[0].event_type.split(".")[0] + "." if rows else ""
    written: list[tuple[int, str]] = []  # (generation, key) the fold writes
    gen = generation_of(workflow_id, rows[0].idempotency_key) if rows else 1

    def wrote(effects: list[Effect]) -> None:
        written.extend((gen, e.key) for e in effects if isinstance(e, (Log, Letter, Message, Publish)))

    wrote(agg.start())
    for row in rows[1:]:
        gen, now, kind = generation_of(workflow_id, row.idempotency_key), row.occurred_at, row.event_type
        if (gen, _bare(workflow_id, row.idempotency_key)) in written:
            continue  # written by a step before it (the call with the start, the thanks with a receipt)
        try:
            if kind in timed:
                action = agg.next_action()
                if action is None or action.at > now:
                    raise Refusal(f"row {row.seq} ({kind}) has no timer due at {now.isoformat()}")
                wrote(agg.fire(action, now))
            else:
                typed(row)  # a row its model refuses is no record to fold
                effects = redo(agg, kind, row.payload, _by(row), now)
                if effects is not None:
                    wrote(effects)
        except Refusal as e:
            raise Refusal(
                f"{workflow_id} cannot be rebuilt from the log: at row {row.seq} ({kind}): {e}", code="bad_start"
            ) from None
    logged = sorted(
        (generation_of(workflow_id, r.idempotency_key), _bare(workflow_id, r.idempotency_key))
        for r in rows
        if not r.idempotency_key.endswith("-delivered")
        and not r.idempotency_key.endswith("-delivery-failed")
        and r.event_type != f"{prefix}rebuilt"
    )
    if sorted(written) != logged:
        missing = sorted(set(logged) - set(written))[:3]
        extra = sorted(set(written) - set(logged))[:3]
        raise Refusal(
            f"{workflow_id} cannot be rebuilt from the log: its rules write {extra or 'nothing more'} where the "
            f"log holds {missing or 'nothing more'}",
            code="bad_start",
        )
    agg.input = agg.input.model_copy(update={"generation": generation})
    return process


def _by(row: Any) -> dict[str, str]:
    return {"actor": row.actor, "office": row.office}


def runs_rows(workflow_id: str, prefix: str, rows: list[Any], generation: int, started: str) -> list[Any]:
    """A process's rows of the generations before `generation`, its start first."""
    ours = [
        r
        for r in rows
        if r.workflow_id == workflow_id
        and r.event_type.startswith(prefix)
        and generation_of(workflow_id, r.idempotency_key) < generation
    ]
    first = next((r for r in ours if r.event_type == started), None)
    if first is None:
        raise Refusal(f"the log holds no {started} row of {workflow_id}: there is nothing to rebuild", code="bad_start")
    return [first] + [r for r in ours if r is not first]


def _rebuilt(
    new: Callable[[Any, str, datetime], P],
    inp: Any,
    workflow_id: str,
    rows: list[Any],
    started: str,
    timed: frozenset[str],
    redo: Redo,
) -> P:
    """A process made `new` from its input as its first run was (at its start row's time),
    then driven through its rows (`replay`)."""
    rows = runs_rows(workflow_id, started.split(".")[0] + ".", rows, inp.generation, started)
    first = inp.model_copy(update={"snapshot": None, "generation": 1})
    return replay(new(first, workflow_id, rows[0].occurred_at), workflow_id, rows, inp.generation, timed, redo)


# --- contribution chases ------------------------------------------------------------------------
def rebuild_chase(inp: ChaseInput, rows: list[Any], generation: int = 1) -> Chase:
    """The chase the log's rows of `inp`'s chase say (rows of every generation before
    `generation`, in order). A Refusal where the rows cannot be reproduced."""
    wid = chase_id(inp.year, inp.state)
    rows = runs_rows(wid, "chase.", rows, generation, "chase.started")
    said = typed(rows[0])
    first = inp.model_copy(
        update={
            "amount_due": said.amount_due,
            "arrears": said.arrears,
            "credit_carried": said.credit_carried,
            "msp_date": said.msp_date,
            "language": said.language,
            "snapshot": None,
            "generation": 1,
        }
    )
    return replay(Chase(input=first, started_at=rows[0].occurred_at), wid, rows, generation, CHASE_TIMED, _redo_chase)


def _redo_chase(chase: Chase, kind: str, p: dict[str, Any], by: dict[str, str], now: datetime) -> list[Effect] | None:
    def amount(value: Any) -> Decimal | None:
        return None if value is None else Decimal(value)

    if kind == "chase.receipt_recorded":
        receipt = RecordReceipt(
            amount=Decimal(p["amount"]),
            date=date.fromisoformat(p["date"]),
            reference=p["reference"],
            budget_line=p["budget_line"],
            # the payer's parts as said; the default rule gives its own again
            lines=p.get("lines", {}) if p.get("allocated_by") == "payer" else {},
            # an excess given as voluntary, to the line it went to (`7c+`)
            excess=p.get("excess", "credit"),
            excess_line=next((key.removesuffix(ABOVE) for key in p.get("lines", {}) if key.endswith(ABOVE)), ""),
            **by,
        )
        return chase.record_receipt(receipt, now)
    if kind == "chase.receipt_reversed":
        return chase.reverse_receipt(ReverseReceipt(number=p["receipt"], reason=p["reason"], **by), now)
    if kind == "chase.due_corrected":
        return chase.correct_due(CorrectDue(amount=Decimal(p["to"]), reason=p["reason"], **by), now)
    if kind == "chase.payment_reported":
        report = ReportPayment(
            amount=amount(p["amount"]), date=date.fromisoformat(p["date"]), reference=p["reference"], **by
        )
        return chase.report_payment(report, now)
    if kind == "chase.pledged":
        pledge = Pledge(
            expected_date=date.fromisoformat(p["expected_date"]), amount=amount(p["amount"]), note=p["note"], **by
        )
        return chase.pledge_payment(pledge, now)
    if kind == "chase.msp_date_set":
        return chase.set_msp_date(SetMspDate(msp_date=date.fromisoformat(p["to"]), **by))
    if kind == "chase.escalated":
        action = chase.next_action()
        if action is not None and action.key == "president" and action.at <= now:
            return chase.fire(action, now)  # the letter on a timer (--auto-escalate-days)
        return chase.escalate(Escalate(reason=p.get("decision", ""), **by), now)
    if kind == "chase.waived":
        return chase.close("waived", Close(reason=p["reason"], **by))
    if kind == "chase.cancelled":
        return chase.close("cancelled", Close(reason=p["reason"], **by))
    return None  # a row no command writes (a delivery, the rebuild's own): the keys are compared after


# --- obligations ---------------------------------------------------------------------------------
OBLIGATION_TIMED = frozenset({"obligation.reminder_sent", "obligation.overdue", "obligation.coordinators_told"})


def rebuild_obligation(inp: ObligationInput, workflow_id: str, rows: list[Any]) -> Obligation:
    """The obligation its rows say (rows of the generations before `inp.generation`)."""
    return _rebuilt(Obligation.new, inp, workflow_id, rows, "obligation.started", OBLIGATION_TIMED, _redo_obligation)


def _redo_obligation(
    obligation: Obligation, kind: str, p: dict[str, Any], by: dict[str, str], now: datetime
) -> list[Effect] | None:
    today = geneva_date(now)
    if kind == "obligation.fulfilled":
        return obligation.fulfil(
            ObligationFulfil(date=date.fromisoformat(p["date"]), reference=p["reference"], **by), today
        )
    if kind == "obligation.extension_requested":
        request = RequestExtension(
            new_due=date.fromisoformat(p["new_due"]),
            meeting=date.fromisoformat(p["meeting"]),
            submitted=date.fromisoformat(p["submitted"]),
            reason=p["reason"],
            **by,
        )
        return obligation.request_extension(request, today)
    if kind == "obligation.extension_decided":
        decision = DecideExtension(
            granted=p["granted"],
            meeting=date.fromisoformat(p["meeting"]),
            msp=p["decided_by"],
            text=p["decision"],
            new_due=date.fromisoformat(p["due"]) if p["granted"] else None,
            **by,
        )
        return obligation.decide_extension(decision, now)
    if kind == "obligation.exempted":
        return obligation.exempt(Exempt(reason=p["reason"], **by))
    if kind == "obligation.due_overridden":
        return obligation.override_due(OverrideDue(due=date.fromisoformat(p["to"]), reason=p["reason"], **by), now)
    if kind == "obligation.overdue_confirmed":
        return obligation.confirm_overdue(ConfirmOverdue(reason=p["reason"], **by), now)
    return None


# --- action items --------------------------------------------------------------------------------
ACTION_TIMED = frozenset({"action.reminder_sent", "action.overdue"})


def rebuild_action_item(inp: ActionItemInput, workflow_id: str, rows: list[Any]) -> ActionItem:
    """The action item its rows say (rows of the generations before `inp.generation`)."""
    return _rebuilt(ActionItem.new, inp, workflow_id, rows, "action.created", ACTION_TIMED, _redo_action_item)


def _redo_action_item(
    item: ActionItem, kind: str, p: dict[str, Any], by: dict[str, str], now: datetime
) -> list[Effect] | None:
    if kind == "action.completed" and p.get("fulfilled_by"):
        return item.fulfil(ActionFulfil(by=p["fulfilled_by"], reference=p["note"], **by), now)
    if kind == "action.completed":
        return item.complete(Complete(note=p.get("note", ""), **by), now)
    if kind == "action.extended":
        return item.extend(Extend(new_due=date.fromisoformat(p["new_due"]), reason=p["reason"], **by), now)
    if kind == "action.reassigned":
        return item.reassign(Reassign(owner=p["owner"], **by), now)
    if kind == "action.cancelled":
        return item.cancel(CancelAction(reason=p["reason"], **by), now)
    return None


# --- meetings ------------------------------------------------------------------------------------
def rebuild_meeting(inp: MeetingInput, workflow_id: str, rows: list[Any]) -> Meeting:
    """The meeting its rows say: one scheduled (its invitation) or recorded as already held."""
    started = "meeting.recorded" if any(r.event_type == "meeting.recorded" for r in rows) else "meeting.scheduled"
    return _rebuilt(Meeting.new, inp, workflow_id, rows, started, frozenset({"meeting.held"}), _redo_meeting)


def _redo_meeting(
    meeting: Meeting, kind: str, p: dict[str, Any], by: dict[str, str], now: datetime
) -> list[Effect] | None:
    def day(key: str) -> date:
        return date.fromisoformat(p[key])

    if kind == "meeting.agenda_circulated":  # on a timer, with the agenda its row holds
        action = meeting.next_action()
        if action is None or action.key != "agenda" or action.at > now:
            raise Refusal(f"no agenda is due at {now.isoformat()}")
        if not p.get("agenda"):
            raise Refusal("the row does not hold the agenda it circulated")
        return meeting.circulate_agenda([AgendaItem.model_validate(a) for a in p["agenda"]])
    if kind == "meeting.rescheduled":
        if not p.get("end") or not p.get("proposals_close_at"):
            raise Refusal("the row does not hold the new schedule whole (its end, its proposals' cut-off)")
        schedule = Schedule.at(day("date"), time.fromisoformat(p["start"]), time.fromisoformat(p["end"]), p["venue"])
        close = datetime.fromisoformat(p["proposals_close_at"])
        return meeting.reschedule(Reschedule(schedule=schedule, proposals_close_at=close, **by), now)
    if kind == "meeting.cancelled":
        return meeting.cancel(CancelMeeting(reason=p["reason"], **by))
    if kind == "meeting.item_proposed":
        proposer = p.get("proposer", "")
        if by["office"] == "member" and by["actor"] == proposer:  # named, not sent by an office (runs from before)
            by = {"actor": "", "office": ""}
        return meeting.propose_item(ProposeItem(title=p["title"], proposer=proposer, **by), now)
    if kind == "meeting.agenda_adopted":
        return meeting.record_agenda(RecordAgenda(items=p["items"], **by), now)
    if kind == "meeting.attendance_recorded":
        return meeting.record_attendance(RecordAttendance(present=p["present"], **by), now)
    if kind == "meeting.next_meeting_set":
        return meeting.set_next_meeting(SetNextMeeting(date=day("date"), **by))
    if kind == "meeting.action_item_added":
        item = AddActionItem(owner=p["owner"], text=p["text"], due=day("due"), fulfilled_by=p.get("fulfilled_by"), **by)
        return meeting.add_action_item(item, now)
    if kind == "meeting.minutes_circulated":
        if not p.get("text") and not p.get("document"):
            raise Refusal("the row does not hold the minutes it circulated")
        document = DocumentRef.model_validate(p["document"]) if p.get("document") else None
        return meeting.circulate_minutes(CirculateMinutes(text=p.get("text", ""), document=document, **by))
    if kind == "meeting.minutes_approved":
        approval = ApproveMinutes(
            at_meeting=day("at_meeting"), approved_as=p["approved_as"], corrections=p.get("corrections"), **by
        )
        return meeting.approve_minutes(approval, now)
    return None


# --- concept notes and operational plans ---------------------------------------------------------
CONCEPT_TIMED = frozenset({"concept.plan_reminder_sent", "concept.plan_overdue"})


def rebuild_concept_note(inp: ConceptNoteInput, workflow_id: str, rows: list[Any]) -> ConceptNote:
    """The concept note its rows say: its versions, comments, plan and approvals."""
    return _rebuilt(ConceptNote.new, inp, workflow_id, rows, "concept.started", CONCEPT_TIMED, _redo_concept_note)


def _redo_concept_note(
    note: ConceptNote, kind: str, p: dict[str, Any], by: dict[str, str], now: datetime
) -> list[Effect] | None:
    if kind == "concept.version_submitted":
        if not p.get("text") and not p.get("document"):
            raise Refusal("the row does not hold the version it circulated")
        document = (
            DocumentRef(sha256=p["document"], size=p["characters"], name=p.get("document_name", ""))
            if p.get("document")
            else None
        )
        circulated = date.fromisoformat(p["circulated_on"]) if p.get("circulated_on") else None
        version = SubmitVersion(
            summary=p["summary"], text=p.get("text", ""), document=document, circulated_on=circulated, **by
        )
        return note.submit_version(version, now)
    if kind == "concept.commented":
        return note.comment(Comment(text=p["text"], **by), now)
    if kind == "concept.final_approved":
        return note.approve_final(Acting(**by), now)
    if kind == "concept.plan_submitted":
        if not p.get("plan"):
            raise Refusal("the row does not hold the plan's steps")
        return note.submit_plan(SubmitPlan(plan=Plan(steps=p["plan"]), **by), now)
    if kind == "concept.changes_requested":
        return note.request_changes(RequestChanges(comments=p["comments"], **by))
    if kind == "concept.plan_approved":
        return note.approve_plan(Acting(**by), now)
    if kind == "concept.plan_due_set":
        return note.set_plan_due(SetPlanDue(date=date.fromisoformat(p["due"]), **by), now)
    if kind == "concept.withdrawn":
        return note.withdraw(Withdraw(reason=p["reason"], **by))
    return None


# --- universalization campaigns ---------------------------------------------------------------
CAMPAIGN_TIMED = frozenset({"campaign.reminder_sent"})


def rebuild_campaign(inp: CampaignInput, workflow_id: str, rows: list[Any]) -> Campaign:
    """The campaign its rows say (rows of the generations before `inp.generation`)."""
    return _rebuilt(Campaign.new, inp, workflow_id, rows, "campaign.started", CAMPAIGN_TIMED, _redo_campaign)


def _redo_campaign(
    campaign: Campaign, kind: str, p: dict[str, Any], by: dict[str, str], now: datetime
) -> list[Effect] | None:
    if kind == "campaign.outreach_recorded":
        cmd = RecordOutreach(kind=p["kind"], day=date.fromisoformat(p["day"]), note=p["note"], **by)
        return campaign.record_outreach(cmd, now.date())
    if kind == "campaign.letter_sent":
        letter = SendLetter(language=p["language"], signed=p.get("has_signed", False), **by)
        return campaign.send_letter(letter, now.date())
    if kind == "campaign.meeting_noted":
        return campaign.note_meeting(NoteMeeting(day=date.fromisoformat(p["day"]), **by))
    if kind == "campaign.joined":
        return campaign.join(Joined(event=p["event"], deposited=date.fromisoformat(p["deposited"]), **by), now)
    if kind == "campaign.closed":
        return campaign.close(CloseCampaign(reason=p["reason"], **by))
    return None


# The processes other than the chase, by workflow type: their input, their fold, the prefix
# of their events, and the day their `*.rebuilt` row gives as due.
FOLDS: dict[str, tuple[Any, Callable[[Any, str, list[Any]], Any], str, Callable[[Any], date]]] = {
    "Obligation": (ObligationInput, rebuild_obligation, "obligation", lambda p: p.due),
    "ActionItem": (ActionItemInput, rebuild_action_item, "action", lambda p: p.due),
    "Meeting": (MeetingInput, rebuild_meeting, "meeting", lambda p: p.schedule.date),
    "ConceptNote": (ConceptNoteInput, rebuild_concept_note, "concept", lambda p: p.plan_due),
    "Campaign": (CampaignInput, rebuild_campaign, "campaign", lambda p: max(p.meetings, default=p.since.date())),
}

# The processes rebuilt from the log, by workflow type: the command that does it.
REBUILT = {
    "ContributionChase": "ccm chase rebuild",
    "Obligation": "ccm obligations rebuild",
    "ActionItem": "ccm task rebuild",
    "Meeting": "ccm meeting rebuild",
    "ConceptNote": "ccm plan rebuild",
    "Campaign": "ccm universalization rebuild",
}
