"""Concept note to operational plan on the time-skipping server, with the real activities
(pages in the site folder, messages in the outbox, events in a SQLite log)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.concept_notes import (
    Acting,
    Comment,
    ConceptNoteInput,
    Plan,
    PlanStep,
    RequestChanges,
    SubmitPlan,
    SubmitVersion,
    Withdraw,
)
from domain.meetings import local_to_utc
from tests.conftest import act, sleep_until
from workflows.action_item import ActionItem
from workflows.concept_note import ConceptNote

PRESIDENT = Acting(actor="Michael Biontino", office="president")


async def today(env) -> date:
    return (await env.get_current_time()).date()


async def start(env, task_queue, theme="victim-assistance", meeting_in=10, due_after=35):
    day = await today(env)
    meeting = day + timedelta(days=meeting_in)
    inp = ConceptNoteInput(
        theme=theme,
        msp="7MSP",
        meeting=meeting,
        circulate_by=local_to_utc(meeting - timedelta(days=7), time(18)),
        plan_due=meeting + timedelta(days=due_after),
    )
    wid = f"concept-note-7MSP-{theme}-{uuid.uuid4().hex[:6]}"
    return await env.client.start_workflow(ConceptNote.run, inp, id=wid, task_queue=task_queue), inp


def plan(day: date) -> Plan:
    return Plan(
        steps=[
            PlanStep(
                action="Reach out to States Parties with victim assistance obligations",
                responsible="ITA",
                due=day + timedelta(days=30),
                targets=["TCD", "LBN"],
            ),
            PlanStep(
                action="Promote the Guidance on an integrated approach to Victim Assistance",
                responsible="CHL",
                due=day + timedelta(days=60),
                budget="5000",
            ),
        ]
    )


async def refused(coro) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await coro
    return err.value.cause.message


async def test_the_whole_path_from_note_to_approved_plan_with_tracked_steps(
    time_skipping_env, task_queue, worker, tmp_path, log
):
    env = time_skipping_env
    handle, inp = await start(env, task_queue)
    s = await act(
        handle,
        ConceptNote.submit_version,
        SubmitVersion(
            text="Inward- and outward-looking activities …",
            summary="Strengthen joint approaches.",
            actor="Silvia Cattaneo",
            office="ITA",
        ),
    )
    assert s.stage == "circulated" and s.versions[0].late is False
    s = await act(handle, ConceptNote.comment, Comment(text="Explain the choice of countries", office="ICRC"))
    assert s.stage == "in_comment"
    s = await act(
        handle,
        ConceptNote.submit_version,
        SubmitVersion(
            text="Revised: priorities from Article 7 reports",
            summary="Strengthen joint approaches; focal points by 2016.",
            office="CHL",
        ),
    )
    s = await act(handle, ConceptNote.approve_final, PRESIDENT)
    assert s.stage == "plan_due" and s.approvals[0].what == "concept note v2" and s.approvals[0].role == "president"
    page = (tmp_path / "site" / "concept-notes" / "7MSP-victim-assistance.html").read_text()
    assert "focal points by 2016" in page and "version 2" in page

    steps = plan(await today(env))
    s = await act(handle, ConceptNote.submit_plan, SubmitPlan(plan=steps, office="ITA"))
    assert s.stage == "plan_submitted"
    s = await act(handle, ConceptNote.approve_plan, PRESIDENT)
    assert s.stage == "plan_approved" and len(s.action_items) == 2
    result = await handle.result()
    assert result.pages == ["concept-notes/7MSP-victim-assistance.html", "plans/7MSP-victim-assistance.html"]
    plan_page = (tmp_path / "site" / "plans" / "7MSP-victim-assistance.html").read_text()
    assert "Reach out to States Parties" in plan_page
    # Budgets as Babel writes CHF, States by name with their code.
    assert '<td class="budget">CHF\xa05&#39;000.00</td>' in plan_page
    assert "<td>Italy (ITA)</td>" in plan_page and "Chad (TCD), Lebanon (LBN)" in plan_page

    # Approved steps are tracked as action items that outlive the concept note.
    items = [await env.client.get_workflow_handle(i).query(ActionItem.status) for i in result.action_items]
    assert [(i.owner, i.stage, i.due) for i in items] == [(st.responsible, "open", st.due) for st in steps.steps]
    assert result.action_items[0] == "action-plan-7MSP-victim-assistance-1"
    assert [e.event_type for e in log.query(workflow_id=handle.id)] == [
        "concept.started",
        "concept.version_submitted",
        "concept.commented",
        "concept.version_submitted",
        "concept.final_approved",
        "concept.published",
        "concept.plan_submitted",
        "concept.plan_approved",
        "concept.plan_published",
    ]


async def test_a_note_after_the_circulation_deadline_is_marked_late(time_skipping_env, task_queue, worker):
    env = time_skipping_env
    handle, inp = await start(env, task_queue, theme="clearance-and-rre")
    await sleep_until(env, inp.circulate_by + timedelta(hours=1))
    s = await act(
        handle,
        ConceptNote.submit_version,
        SubmitVersion(text="Workshop in Lebanon", summary="Article 4 deadlines", office="NOR"),
    )
    assert s.versions[0].late is True
    await handle.execute_update(ConceptNote.withdraw, Withdraw(reason="test over", office="NOR"))


async def test_approval_by_a_coordinator_is_refused_and_changes_nothing(time_skipping_env, task_queue, worker, log):
    env = time_skipping_env
    handle, _ = await start(env, task_queue)
    await handle.execute_update(ConceptNote.submit_version, SubmitVersion(text="t", summary="s", office="ITA"))
    message = await refused(handle.execute_update(ConceptNote.approve_final, Acting(actor="x", office="ITA")))
    assert message == "only the Presidency may approve final, not ITA"
    message = await refused(
        handle.execute_update(ConceptNote.submit_version, SubmitVersion(text="t", summary="s", office="NZL"))
    )
    assert "only the theme's coordinators (ITA or CHL)" in message
    s = await handle.query(ConceptNote.status)
    assert s.stage == "circulated" and s.approvals == [] and len(s.versions) == 1
    assert len(list(log.query(workflow_id=handle.id))) == 2
    await handle.execute_update(ConceptNote.withdraw, Withdraw(reason="test over", office="president"))


async def test_changes_requested_twice_then_approved(time_skipping_env, task_queue, worker):
    env = time_skipping_env
    handle, _ = await start(env, task_queue, theme="universalization")
    await handle.execute_update(
        ConceptNote.submit_version, SubmitVersion(text="8 new States", summary="s", office="ZMB")
    )
    await handle.execute_update(ConceptNote.approve_final, PRESIDENT)
    day = await today(env)
    for n in (1, 2):
        await handle.execute_update(ConceptNote.submit_plan, SubmitPlan(plan=plan(day), office="FRA"))
        s = await act(
            handle,
            ConceptNote.request_changes,
            RequestChanges(comments=f"round {n}: name the target States", **PRESIDENT.model_dump()),
        )
        assert s.stage == "changes_requested"
    assert "cannot approve the plan while the note is changes requested" in await refused(
        handle.execute_update(ConceptNote.approve_plan, PRESIDENT)
    )
    await handle.execute_update(ConceptNote.submit_plan, SubmitPlan(plan=plan(day), office="ZMB"))
    s = await act(handle, ConceptNote.approve_plan, PRESIDENT)
    assert s.stage == "plan_approved" and s.plan_versions == 3 and s.approvals[-1].what == "operational plan v3"


async def test_an_overdue_plan_gets_reminders_on_their_dates_and_the_presidency_is_told(
    time_skipping_env, task_queue, worker, log
):
    env = time_skipping_env
    handle, inp = await start(env, task_queue, theme="stockpile-destruction")
    await handle.execute_update(ConceptNote.submit_version, SubmitVersion(text="t", summary="s", office="HRV"))
    await handle.execute_update(ConceptNote.approve_final, PRESIDENT)
    await sleep_until(env, datetime.combine(inp.plan_due + timedelta(days=2), time(12), timezone.utc))
    s = await handle.query(ConceptNote.status)
    assert s.stage == "overdue"
    events = [(e.event_type, e.occurred_at.date()) for e in log.query(workflow_id=handle.id)][-3:]
    assert events == [
        ("concept.plan_reminder_sent", inp.plan_due - timedelta(days=14)),
        ("concept.plan_reminder_sent", inp.plan_due - timedelta(days=3)),
        ("concept.plan_overdue", inp.plan_due + timedelta(days=1)),
    ]
    told = list(log.query(workflow_id=handle.id, event_type="concept.plan_overdue"))[0]
    assert told.payload["told"] == "president"
    s = await act(handle, ConceptNote.submit_plan, SubmitPlan(plan=plan(await today(env)), office="MEX"))
    assert s.stage == "plan_submitted"
    await handle.execute_update(ConceptNote.withdraw, Withdraw(reason="test over", office="president"))


async def test_a_withdrawn_note_ends_and_refuses_further_work(time_skipping_env, task_queue, worker):
    env = time_skipping_env
    handle, _ = await start(env, task_queue, theme="country-coalitions")
    await handle.execute_update(
        ConceptNote.submit_version, SubmitVersion(text="non-paper", summary="s", office="president")
    )
    s = await act(handle, ConceptNote.withdraw, Withdraw(reason="merged into universalization", office="president"))
    assert s.stage == "withdrawn"
    assert (await handle.result()).stage == "withdrawn"
