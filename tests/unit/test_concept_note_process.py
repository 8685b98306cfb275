"""The concept note as a process, without a server: stages, late versions, publication,
plan reminders, overdue, approval into action items."""

import re
from datetime import date, datetime, timezone

import pytest

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
    Withdraw,
)
from domain.process import Acting, Message, Publish, Refusal, Show, StartActionItem

PRESIDENT = Acting(actor="Michael Biontino", office="president")
DUE = date(2016, 12, 7)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def new_note(theme="victim-assistance") -> ConceptNote:
    inp = ConceptNoteInput(
        theme=theme, msp="7MSP", meeting=date(2016, 11, 4), circulate_by=utc(2016, 11, 1, 17), plan_due=DUE
    )
    note = ConceptNote.new(inp, f"concept-note-7MSP-{theme}", utc(2016, 10, 20))
    note.start()
    return note


def plan() -> Plan:
    return Plan(
        steps=[
            PlanStep(action="Reach out to States with VA obligations", responsible="ITA", due=date(2017, 3, 1)),
            PlanStep(action="Joint event with APMBC", responsible="CHL", due=date(2017, 6, 1)),
        ]
    )


def test_a_late_version_is_marked_and_comments_move_the_note_into_comment():
    note = new_note()
    effects = note.submit_version(SubmitVersion(text="t", summary="s", office="ITA"), utc(2016, 11, 3))
    assert note.stage == "circulated" and note.versions[0].late and effects[0] == Show(stage="circulated")
    note.comment(Comment(text="Why these countries?", office="ICRC"), utc(2016, 11, 4))
    assert note.stage == "in_comment"


def test_a_version_entered_afterwards_is_late_by_the_day_it_was_circulated():
    """Entered in 2026, as the minutes record 2016: Italy's on time, New Zealand's late."""
    note, nzl = new_note(), new_note("national-implementation")
    now = utc(2026, 12, 1, 9)
    effects = note.submit_version(
        SubmitVersion(text="t", summary="s", office="ITA", circulated_on=date(2016, 11, 1)), now
    )
    assert not note.versions[0].late and note.versions[0].circulated_on == date(2016, 11, 1)
    assert effects[-1].payload["circulated_on"] == "2016-11-01" and effects[-1].payload["late"] is False
    nzl.submit_version(SubmitVersion(text="t", summary="s", office="NZL", circulated_on=date(2016, 11, 4)), now)
    assert nzl.versions[0].late


@pytest.mark.parametrize(
    "day, message",
    [
        (date(2026, 12, 2), "circulated on 2026-12-02: that day has not come yet"),
        (date(2016, 10, 1), "circulated on 2016-10-01: before version 1 (2016-10-28)"),
        (date(1900, 1, 1), "circulated on 1900-01-01: more than a year before the meeting of 2016-11-04"),
    ],
)
def test_a_circulation_day_in_the_future_or_before_the_last_version_is_refused(day, message):
    note, now = new_note(), utc(2026, 12, 1, 9)
    note.submit_version(SubmitVersion(text="t", summary="s", office="ITA", circulated_on=date(2016, 10, 28)), now)
    with pytest.raises(Refusal, match=re.escape(message)):
        note.check_version(SubmitVersion(text="t", summary="s", office="ITA", circulated_on=day), now)


def test_approval_publishes_the_note_and_makes_the_plan_due_with_reminders_then_overdue():
    note = new_note()
    note.submit_version(SubmitVersion(text="Objectives", summary="VA summary", office="CHL"), utc(2016, 10, 25))
    effects = note.approve_final(PRESIDENT, utc(2016, 11, 4, 11))
    assert [e.stage for e in effects if isinstance(e, Show)] == ["final_approved", "published", "plan_due"]
    (page,) = [e for e in effects if isinstance(e, Publish)]
    assert page.path == "concept-notes/7MSP-victim-assistance.html" and page.context["summary"] == "VA summary"
    first = note.next_action()
    assert first.key == "plan-reminder-14d-2016-12-07" and first.at == utc(2016, 11, 23, 8)
    note.fire(first, first.at)
    second = note.next_action()
    assert second.key == "plan-reminder-3d-2016-12-07"
    note.fire(second, second.at)
    overdue = note.next_action()
    assert overdue.key == "overdue" and overdue.at == utc(2016, 12, 8)
    effects = note.fire(overdue, overdue.at)
    assert note.stage == "overdue" and isinstance(effects[-1], Message)
    assert effects[-1].payload["told"] == "president"


def test_moving_the_due_date_of_an_overdue_plan_reopens_its_reminders():
    note = new_note()
    note.submit_version(SubmitVersion(text="t", summary="s", office="ITA"), utc(2016, 10, 25))
    note.approve_final(PRESIDENT, utc(2016, 11, 4))
    while note.stage == "plan_due":
        action = note.next_action()
        note.fire(action, action.at)
    effects = note.set_plan_due(SetPlanDue(date=date(2017, 1, 25), office="isu"), utc(2016, 12, 9))
    assert note.stage == "plan_due" and effects[-1].key == "plan-due-1"
    assert note.next_action().key == "plan-reminder-14d-2017-01-25"


def test_changes_requested_then_approval_turns_each_step_into_an_action_item():
    note = new_note()
    note.submit_version(SubmitVersion(text="t", summary="s", office="ITA"), utc(2016, 10, 25))
    note.approve_final(PRESIDENT, utc(2016, 11, 4))
    note.submit_plan(SubmitPlan(plan=plan(), office="ITA"), utc(2016, 12, 1))
    note.request_changes(RequestChanges(comments="dates?", office="president"))
    assert note.stage == "changes_requested"
    note.submit_plan(SubmitPlan(plan=plan(), office="CHL"), utc(2016, 12, 5))
    effects = note.approve_plan(PRESIDENT, utc(2016, 12, 7))
    children = [e for e in effects if isinstance(e, StartActionItem)]
    assert [c.id for c in children] == ["action-plan-7MSP-victim-assistance-1", "action-plan-7MSP-victim-assistance-2"]
    assert children[0].input.owner == "ITA" and children[1].input.due == date(2017, 6, 1)
    assert note.finished and note.stage == "plan_approved" and len(note.approvals) == 2


@pytest.mark.parametrize(
    "check,message",
    [
        (
            lambda n: n.authorize("approve_final", Acting(office="ITA")),
            "only the Presidency may approve final, not ITA",
        ),
        (lambda n: n.check_comment(Comment(text="x", office="ICRC")), "cannot comment while the note is drafting"),
        (
            lambda n: n.authorize("submit_version", SubmitVersion(text="t", summary="s", office="NZL")),
            "only the theme's coordinators (ITA or CHL)",
        ),
        (lambda n: n.check_due(SetPlanDue(date=date(2016, 1, 1), office="isu"), date(2016, 11, 1)), "in the past"),
    ],
)
def test_refusals_change_nothing(check, message):
    note = new_note()
    before = note.model_dump()
    with pytest.raises(Refusal, match=re.escape(message)):
        check(note)
    assert note.model_dump() == before


def test_a_withdrawn_note_refuses_another_withdrawal():
    note = new_note()
    note.withdraw(Withdraw(reason="merged", office="president"))
    with pytest.raises(Refusal, match="already withdrawn"):
        note.check_withdraw(Withdraw(reason="again", office="president"))


def test_the_process_survives_a_snapshot_as_continue_as_new_hands_it_on():
    note = new_note()
    note.submit_version(SubmitVersion(text="t", summary="s", office="ITA"), utc(2016, 10, 25))
    again = ConceptNote.model_validate_json(note.model_dump_json())
    assert again == note and again.next_action() == note.next_action()


def test_the_plan_is_due_from_the_meeting_that_asked_for_it_final_note_or_not():
    """The minutes ask every coordinator for a plan by the next meeting, while the Committee
    still adapts the notes: reminders and overdue run from the start, and a plan may come
    before the final note; it then waits for the note's approval."""
    note = new_note()
    note.submit_version(SubmitVersion(text="t", summary="s", office="ITA"), utc(2016, 10, 25))
    note.comment(Comment(text="Adapt the targets", office="DEU"), utc(2016, 11, 4))
    action = note.next_action()
    assert action.key == "plan-reminder-14d-2016-12-07" and note.stage == "in_comment"
    note.fire(action, action.at)
    note.fire(note.next_action(), note.next_action().at)  # 3 days before
    overdue = note.next_action()
    assert overdue.key == "overdue" and overdue.at == utc(2016, 12, 8)
    effects = note.fire(overdue, overdue.at)
    assert note.stage == "in_comment" and note.plan_overdue and note.next_action() is None
    assert isinstance(effects[-1], Message) and effects[-1].event_type == "concept.plan_overdue"
    assert note.status().plan_overdue

    effects = note.submit_plan(SubmitPlan(plan=plan(), office="ITA"), utc(2016, 12, 19, 9))
    assert note.stage == "in_comment"  # the note is not final yet: the plan waits for it
    assert {k: effects[-1].payload[k] for k in ("late", "days_late", "due")} == {
        "late": True,
        "days_late": 12,
        "due": "2016-12-07",
    }
    assert note.result(effects).summary["plan_days_late"] == "12"
    note.submit_version(SubmitVersion(text="t2", summary="s2", office="ITA"), utc(2016, 12, 20))  # adapted
    note.approve_final(PRESIDENT, utc(2017, 1, 10))
    assert note.stage == "plan_submitted"
    note.approve_plan(PRESIDENT, utc(2017, 1, 11))
    assert note.stage == "plan_approved"


def test_a_plan_on_time_is_not_late_and_one_before_the_final_note_waits_for_it():
    note = new_note()
    note.submit_version(SubmitVersion(text="t", summary="s", office="ITA"), utc(2016, 10, 25))
    effects = note.submit_plan(SubmitPlan(plan=plan(), office="ITA"), utc(2016, 12, 7, 16))
    assert effects[-1].payload["late"] is False and effects[-1].payload["days_late"] == 0
    assert note.next_action() is None  # no reminder for a plan that is in
    with pytest.raises(Refusal, match="cannot approve the plan while the note is circulated"):
        note.check_plan_approval(PRESIDENT)
