"""A chase folded from its rows (`domain.rebuild`) is the chase that wrote them: the same
figures, letters, receipts, steps and counters, so the next generation carries on without
sending anything again. The rows are what the chase's own rules write, not made up here."""

from datetime import date, datetime, time, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from domain.chase import (
    Chase,
    ChaseInput,
    CorrectDue,
    Pledge,
    RecordReceipt,
    Refusal,
    ReportPayment,
    ReverseReceipt,
    SetMspDate,
)
from domain.contract import DocumentRef
from domain.rebuild import generation_of, rebuild_chase

WID = "chase-2017-ITA"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


class Recorder:
    """The rows a run writes: each effect with an event type, under `<id>/<key>`, at its time."""

    def __init__(self, workflow_id: str = WID):
        self.rows, self.wid = [], workflow_id

    def __call__(self, effects, now):
        for e in effects:
            if getattr(e, "event_type", None):
                self.rows.append(
                    SimpleNamespace(
                        seq=len(self.rows) + 1,
                        workflow_id=self.wid,
                        event_type=e.event_type,
                        idempotency_key=f"{self.wid}/{e.key}",
                        payload=e.payload,
                        occurred_at=now,
                        actor=e.actor,
                        office=e.office,
                    )
                )


def fire_until(chase: Chase, until: datetime, record: Recorder) -> None:
    while (action := chase.next_action()) and action.at <= until:
        record(chase.fire(action, action.at), action.at)


def a_busy_year() -> tuple[Chase, Recorder]:
    inp = ChaseInput(state="ITA", year=2017, amount_due=Decimal("12345.00"), msp_date=date(2017, 9, 4))
    chase, record = Chase(input=inp, started_at=utc(2017, 1, 10, 9)), Recorder()
    record(chase.start(), chase.started_at)
    steps = [
        (
            utc(2017, 2, 1, 10),
            lambda now: chase.record_receipt(
                RecordReceipt(amount=Decimal("2000"), date=date(2017, 2, 1), reference="UBS-1", budget_line="7a"), now
            ),
        ),
        (utc(2017, 2, 2, 10), lambda now: chase.correct_due(CorrectDue(amount=Decimal("13000"), reason="scale"), now)),
        (
            utc(2017, 3, 1, 10),
            lambda now: chase.report_payment(ReportPayment(date=date(2017, 3, 1), office="ITA"), now),
        ),
        (utc(2017, 5, 2, 10), lambda now: chase.reverse_receipt(ReverseReceipt(number=1, reason="returned"), now)),
        (utc(2017, 5, 3, 10), lambda now: chase.set_msp_date(SetMspDate(msp_date=date(2017, 9, 11)))),
        (
            utc(2017, 7, 1, 10),
            lambda now: chase.pledge_payment(Pledge(expected_date=date(2017, 7, 20), office="ITA"), now),
        ),
        (
            utc(2017, 8, 1, 10),
            lambda now: chase.record_receipt(
                RecordReceipt(amount=Decimal("5000"), date=date(2017, 8, 1), reference="UBS-2"), now
            ),
        ),
    ]
    for now, step in steps:
        fire_until(chase, now, record)  # the reminders, the follow-up, the lapsed pledge, as they fell due
        record(step(now), now)
    return chase, record


def test_a_busy_year_folds_back_to_the_chase_that_wrote_it():
    chase, record = a_busy_year()
    kinds = {r.event_type for r in record.rows}
    assert {
        "chase.reminder_sent",
        "chase.reported_not_received",
        "chase.receipt_reversed",
        "chase.pledged",
        "chase.due_corrected",
        "chase.msp_date_set",
    } <= kinds
    rebuilt = rebuild_chase(chase.input.model_copy(update={"amount_due": Decimal("1")}), record.rows, generation=2)
    assert rebuilt.status() == chase.status()
    assert rebuilt.counters == chase.counters and rebuilt.done == chase.done
    assert rebuilt.input.generation == 2 and rebuilt.input.amount_due == Decimal("13000")


def test_rows_the_rules_would_not_write_are_refused_not_guessed():
    chase, record = a_busy_year()
    forged = [r for r in record.rows if r.event_type != "chase.reported_not_received"]  # a letter's row lost
    with pytest.raises(Refusal, match="cannot be rebuilt from the log"):
        rebuild_chase(chase.input, forged, generation=2)
    with pytest.raises(Refusal, match="no chase.started row"):
        rebuild_chase(chase.input, record.rows[1:], generation=2)


def test_a_rows_generation_is_read_from_its_key():
    assert generation_of(WID, f"{WID}/receipt-1") == 1
    assert generation_of(WID, f"{WID}/g3/receipt-4") == 3


# --- obligations and action items: the same fold, their own rules ------------------------------
def recorded(process, wid: str, steps, until: datetime, started: datetime | None = None, facts=None):
    """Run `process` through `steps` ((time, command) in order) and its timers up to
    `until` (an action that needs facts is given `facts`), writing its rows as the worker
    would; the rows."""
    write = Recorder(wid)

    def timers(before):
        while (action := process.next_action()) and action.at <= before:
            write(process.fire(action, action.at, *([facts] if action.needs else [])), action.at)

    write(process.start(), started or process.since)
    for now, step in steps:
        timers(now)
        write(step(now), now)
    timers(until)
    return write.rows


def test_an_obligation_with_reminders_an_extension_and_a_new_due_date_folds_back():
    from domain.obligations import DecideExtension, Obligation, ObligationInput, OverrideDue, RequestExtension
    from domain.rebuild import rebuild_obligation

    wid = "obligation-LBN-art4-clearance-eif"
    inp = ObligationInput(
        state="LBN", kind="art4-clearance", period="eif", due=date(2021, 5, 1), in_force=date(2011, 5, 1)
    )
    obligation = Obligation.new(inp, wid, utc(2020, 1, 6, 9))
    lbn = {"actor": "amb@LBN", "office": "LBN"}
    rows = recorded(
        obligation,
        wid,
        [
            (
                utc(2020, 6, 1, 9),
                lambda now: obligation.request_extension(
                    RequestExtension(
                        new_due=date(2026, 5, 1),
                        meeting=date(2020, 11, 25),
                        submitted=date(2020, 2, 20),
                        reason="contamination",
                        **lbn,
                    ),
                    now.date(),
                ),
            ),
            (
                utc(2020, 11, 26, 9),
                lambda now: obligation.decide_extension(
                    DecideExtension(
                        granted=True, meeting=date(2020, 11, 25), msp="2RC", text="granted to 2026", office="president"
                    ),
                    now,
                ),
            ),
            (
                utc(2021, 2, 1, 9),
                lambda now: obligation.override_due(OverrideDue(due=date(2026, 8, 1), reason="from deposit"), now),
            ),
        ],
        until=utc(2026, 10, 1),
    )
    kinds = [r.event_type for r in rows]
    assert kinds.count("obligation.reminder_sent") >= 3 and "obligation.overdue" in kinds
    assert "obligation.extension_decided" in kinds and "obligation.due_overridden" in kinds
    rebuilt = rebuild_obligation(inp.model_copy(update={"generation": 2}), wid, rows)
    assert rebuilt.model_dump(exclude={"input"}) == obligation.model_dump(exclude={"input"})
    assert rebuilt.input.generation == 2
    lost = [r for r in rows if r.event_type != "obligation.extension_requested"]
    with pytest.raises(Refusal, match="cannot be rebuilt from the log"):
        rebuild_obligation(inp.model_copy(update={"generation": 2}), wid, lost)


def test_an_action_item_reminded_extended_reassigned_and_fulfilled_folds_back():
    from domain.action_items import ActionItem, ActionItemInput, Extend, Fulfil, Reassign
    from domain.rebuild import rebuild_action_item

    wid = "action-meeting-cc-2016-11-04-3"
    inp = ActionItemInput(
        owner="NOR",
        text="Feedback on the Lebanon workshop",
        due=date(2016, 12, 1),
        source="meeting-cc-2016-11-04",
        number=3,
        fulfilled_by="escalation:2016",
    )
    item = ActionItem.new(inp, wid, utc(2016, 11, 4, 15))
    rows = recorded(
        item,
        wid,
        [
            (utc(2016, 12, 5, 9), lambda now: item.extend(Extend(new_due=date(2017, 1, 20), reason="capitals"), now)),
            (utc(2016, 12, 6, 9), lambda now: item.reassign(Reassign(owner="ITA"), now)),
            (
                utc(2017, 1, 25, 9),
                lambda now: item.fulfil(Fulfil(by="escalation:2016", reference="12 letters", office="president"), now),
            ),
        ],
        until=utc(2017, 3, 1),
    )
    kinds = [r.event_type for r in rows]
    assert kinds.count("action.reminder_sent") == 4 and kinds.count("action.overdue") == 2
    rebuilt = rebuild_action_item(inp.model_copy(update={"generation": 3}), wid, rows)
    assert rebuilt.model_dump(exclude={"input"}) == item.model_dump(exclude={"input"})
    assert rebuilt.stage == "done" and rebuilt.input.generation == 3
    with pytest.raises(Refusal, match="no action.created row"):
        rebuild_action_item(inp.model_copy(update={"generation": 2}), wid, rows[1:])


# --- meetings and concept notes: their rows hold what they circulated ----------------------------
def test_a_meeting_moved_held_minuted_and_approved_folds_back():
    from domain.contract import ActionSummary, AgendaFacts
    from domain.meetings import (
        AddActionItem,
        ApproveMinutes,
        CirculateMinutes,
        Meeting,
        MeetingInput,
        ProposeItem,
        RecordAgenda,
        RecordAttendance,
        Reschedule,
        SetNextMeeting,
        proposals_close_at,
    )
    from domain.rebuild import rebuild_meeting
    from domain.schedule import Schedule

    wid = "meeting-cc-2016-11-02"
    schedule = Schedule.at(date(2016, 11, 2), time(10), time(11, 30), "Permanent Mission of Germany")
    inp = MeetingInput.plan(schedule, previous_meeting=date(2016, 9, 28))
    meeting = Meeting.new(inp, wid, utc(2016, 10, 10, 8))
    moved = Schedule.at(date(2016, 11, 4), time(15), time(16, 30), "Permanent Mission of Germany")
    president = {"actor": "M. Biontino", "office": "president"}
    facts = AgendaFacts(
        open_actions=[ActionSummary(workflow_id="action-x-1", owner="NOR", text="Lebanon", due=date(2016, 11, 1))],
        minutes_pending=date(2016, 9, 28),
        notes_to_present=["Victim Assistance (ITA, CHL)"],
    )
    rows = recorded(
        meeting,
        wid,
        [
            (
                utc(2016, 10, 12, 9),
                lambda now: meeting.propose_item(ProposeItem(title="Country coalitions", office="NOR"), now),
            ),
            (
                utc(2016, 10, 13, 9),
                lambda now: meeting.propose_item(ProposeItem(title="CMC update", proposer="CMC"), now),
            ),
            (
                utc(2016, 10, 20, 9),
                lambda now: meeting.reschedule(
                    Reschedule(schedule=moved, proposals_close_at=proposals_close_at(moved.date, 3), **president), now
                ),
            ),
            (utc(2016, 11, 4, 15, 10), lambda now: meeting.record_agenda(RecordAgenda(items=meeting.agenda[:4]), now)),
            (
                utc(2016, 11, 4, 15, 20),
                lambda now: meeting.record_attendance(RecordAttendance(present=["DEU", "NOR"]), now),
            ),
            (utc(2016, 11, 4, 16), lambda now: meeting.set_next_meeting(SetNextMeeting(date=date(2016, 12, 7)))),
            (
                utc(2016, 11, 4, 16, 5),
                lambda now: meeting.add_action_item(AddActionItem(owner="NLD", text="Target list"), now),
            ),
            (
                utc(2016, 11, 4, 16, 6),
                lambda now: meeting.add_action_item(
                    AddActionItem(owner="president", text="Write to the 76", fulfilled_by="escalation:2016"), now
                ),
            ),
            (
                utc(2016, 11, 20, 9),
                lambda now: meeting.circulate_minutes(CirculateMinutes(text="Minutes, draft 1.", office="isu")),
            ),
            (
                utc(2016, 11, 21, 9),
                lambda now: meeting.circulate_minutes(
                    CirculateMinutes(
                        document=DocumentRef(sha256="a" * 64, size=30_000, name="minutes.md"), office="isu"
                    )
                ),
            ),
            (
                utc(2016, 12, 8, 9),
                lambda now: meeting.approve_minutes(
                    ApproveMinutes(
                        at_meeting=date(2016, 12, 7), approved_as="with_corrections", corrections="para 4", **president
                    ),
                    now,
                ),
            ),
        ],
        until=utc(2016, 12, 9),
        started=utc(2016, 10, 10, 8),
        facts=facts,
    )
    kinds = [r.event_type for r in rows]
    assert {"meeting.rescheduled", "meeting.agenda_circulated", "meeting.held", "meeting.minutes_approved"} <= set(
        kinds
    )
    assert kinds.count("meeting.item_proposed") == 2 and kinds.count("meeting.minutes_circulated") == 2
    rebuilt = rebuild_meeting(inp.model_copy(update={"generation": 2}), wid, rows)
    assert rebuilt.model_dump(exclude={"input"}) == meeting.model_dump(exclude={"input"})
    assert rebuilt.stage == "minutes_approved" and rebuilt.input.generation == 2
    assert rebuilt.agenda == meeting.agenda and rebuilt.minutes_document == meeting.minutes_document
    # A row that does not hold what was circulated is not folded on a guess.
    bare = [
        SimpleNamespace(**(vars(r) | {"payload": {k: v for k, v in r.payload.items() if k != "agenda"}})) for r in rows
    ]
    with pytest.raises(Refusal, match="does not hold the agenda"):
        rebuild_meeting(inp.model_copy(update={"generation": 2}), wid, bare)


def test_a_concept_note_with_versions_comments_and_a_plan_sent_back_folds_back():
    from domain.concept_notes import (
        Comment,
        ConceptNote,
        ConceptNoteInput,
        Plan,
        PlanStep,
        RequestChanges,
        SetPlanDue,
        SubmitPlan,
        SubmitVersion,
    )
    from domain.process import Acting
    from domain.rebuild import rebuild_concept_note

    wid = "concept-note-7MSP-victim-assistance"
    inp = ConceptNoteInput(
        theme="victim-assistance",
        msp="7MSP",
        meeting=date(2016, 11, 4),
        circulate_by=utc(2016, 10, 31, 17),
        plan_due=date(2016, 12, 7),
    )
    note = ConceptNote.new(inp, wid, utc(2016, 10, 1, 9))
    ita = {"actor": "coordinator@ITA", "office": "ITA"}
    plan = Plan(steps=[PlanStep(action="Workshop in Beirut", responsible="LBN", due=date(2017, 5, 1), targets=["LBN"])])
    longer = Plan(steps=plan.steps + [PlanStep(action="Guidance", responsible="isu", due=date(2017, 8, 1))])
    rows = recorded(
        note,
        wid,
        [
            (
                utc(2016, 10, 20, 9),
                lambda now: note.submit_version(SubmitVersion(summary="VA", text="Draft.", **ita), now),
            ),
            (
                utc(2016, 11, 1, 9),
                lambda now: note.submit_version(
                    SubmitVersion(
                        summary="VA, v2",
                        document=DocumentRef(sha256="b" * 64, size=70_000, name="note.pdf.txt"),
                        circulated_on=date(2016, 11, 1),
                        **ita,
                    ),
                    now,
                ),
            ),
            (utc(2016, 11, 2, 9), lambda now: note.comment(Comment(text="Add the CMC's view.", office="FRA"), now)),
            (utc(2016, 11, 5, 9), lambda now: note.approve_final(Acting(office="president"), now)),
            (
                utc(2016, 12, 9, 9),
                lambda now: note.set_plan_due(SetPlanDue(date=date(2016, 12, 20), office="isu"), now),
            ),
            (utc(2016, 12, 12, 9), lambda now: note.submit_plan(SubmitPlan(plan=plan, **ita), now)),
            (
                utc(2016, 12, 13, 9),
                lambda now: note.request_changes(RequestChanges(comments="Add guidance", office="president")),
            ),
            (utc(2016, 12, 15, 9), lambda now: note.submit_plan(SubmitPlan(plan=longer, **ita), now)),
            (utc(2016, 12, 16, 9), lambda now: note.approve_plan(Acting(office="president"), now)),
        ],
        until=utc(2017, 1, 1),
        started=utc(2016, 10, 1, 9),
    )
    kinds = [r.event_type for r in rows]
    assert {"concept.plan_reminder_sent", "concept.plan_overdue", "concept.plan_published"} <= set(kinds)
    rebuilt = rebuild_concept_note(inp.model_copy(update={"generation": 2}), wid, rows)
    assert rebuilt.model_dump(exclude={"input"}) == note.model_dump(exclude={"input"})
    assert rebuilt.stage == "plan_approved" and len(rebuilt.action_items) == 2
    assert rebuilt.versions[1].document == note.versions[1].document
    lost = [r for r in rows if r.event_type != "concept.changes_requested"]
    with pytest.raises(Refusal, match="cannot be rebuilt from the log"):
        rebuild_concept_note(inp.model_copy(update={"generation": 2}), wid, lost)
