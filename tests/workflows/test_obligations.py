"""Obligation workflows on the time-skipping server: a report on time, one late, one
never sent, an extension requested too late and one granted."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.obligations import (
    DecideExtension,
    Fulfil,
    ObligationInput,
    RequestExtension,
    obligation_id,
)
from tests.conftest import act, sleep_until
from workflows.obligation import Obligation


async def start(env, task_queue, kind="art7-annual", due_in_days=100, state="FJI"):
    today = (await env.get_current_time()).date()
    period = str(today.year - 1) if kind == "art7-annual" else "eif"
    inp = ObligationInput(state=state, kind=kind, period=period, due=today + timedelta(days=due_in_days))
    wid = obligation_id(state, kind, period) + f"-{uuid.uuid4().hex[:6]}"
    return await env.client.start_workflow(Obligation.run, inp, id=wid, task_queue=task_queue), inp.due


def types(log, handle) -> list[str]:
    return [e.event_type for e in log.query(workflow_id=handle.id)]


async def test_a_report_received_on_time_ends_after_its_reminders(time_skipping_env, task_queue, worker, log):
    handle, due = await start(time_skipping_env, task_queue)
    await sleep_until(time_skipping_env, datetime.combine(due - timedelta(days=10), time(12, tzinfo=timezone.utc)))
    status = await act(handle, Obligation.fulfil, Fulfil(date=due - timedelta(days=10), reference="A7", office="FJI"))
    assert status.stage == "fulfilled" and status.on_time is True and status.reminders == 2
    assert types(log, handle) == [
        "obligation.started",
        "obligation.reminder_sent",
        "obligation.reminder_sent",
        "obligation.fulfilled",
    ]


async def test_a_report_never_sent_is_overdue_the_coordinators_told_and_reminded_monthly(
    time_skipping_env, task_queue, worker, log
):
    handle, due = await start(time_skipping_env, task_queue, due_in_days=20)
    await sleep_until(time_skipping_env, datetime.combine(due + timedelta(days=65), time(12, tzinfo=timezone.utc)))
    status = await handle.query(Obligation.status)
    assert status.stage == "overdue"
    got = types(log, handle)
    assert got.count("obligation.overdue") == 1 and got.count("obligation.coordinators_told") == 1
    assert got.count("obligation.reminder_sent") == 1 + 2  # 14 days before, then two monthly reminders
    late = await act(handle, Obligation.fulfil, Fulfil(date=due + timedelta(days=65), office="isu"))
    assert late.stage == "fulfilled" and late.on_time is False


async def test_an_extension_requested_too_late_is_refused_and_one_in_time_granted(
    time_skipping_env, task_queue, worker, log
):
    handle, due = await start(time_skipping_env, task_queue, kind="art4-clearance", due_in_days=700, state="LBN")
    today = (await time_skipping_env.get_current_time()).date()
    meeting = today + timedelta(days=200)  # under nine months away
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            Obligation.request_extension,
            RequestExtension(
                new_due=due + timedelta(days=1500),
                meeting=meeting,
                submitted=today,
                reason="contamination",
                office="LBN",
            ),
        )
    assert "had to be submitted by" in str(err.value.cause)
    meeting = today + timedelta(days=300)
    status = await act(
        handle,
        Obligation.request_extension,
        RequestExtension(
            new_due=due + timedelta(days=1500), meeting=meeting, submitted=today, reason="contamination", office="LBN"
        ),
    )
    assert status.stage == "extension_requested"
    await time_skipping_env.sleep(timedelta(days=301))  # the meeting decides when it meets
    status = await act(
        handle,
        Obligation.decide_extension,
        DecideExtension(granted=True, meeting=meeting, msp="9MSP", text="granted as requested", office="president"),
    )
    assert status.stage == "open" and status.due == due + timedelta(days=1500)
    assert "obligation.extension_decided" in types(log, handle)
    await handle.terminate("test over")


async def test_a_run_hands_the_process_on_to_a_new_one_on_its_anniversary(time_skipping_env, task_queue, worker, log):
    """An Article 4 deadline years away: its run continues as new on its anniversary
    (`workflows.process.RUN_LIFETIME`), so no run replays code more than a year old; the
    deadline, the log and what falls due carry on as if nothing happened."""
    env = time_skipping_env
    handle, due = await start(env, task_queue, kind="art4-clearance", due_in_days=800, state="LBN")
    first = await handle.describe()
    await handle.query(Obligation.status)  # started: its timer set
    await env.sleep(timedelta(days=366))
    latest = env.client.get_workflow_handle(handle.id)
    second = await latest.describe()
    assert second.run_id != first.run_id and second.status.name == "RUNNING"
    status = await latest.query(Obligation.status)
    assert status.stage == "open" and status.due == due
    await sleep_until(env, datetime.combine(due + timedelta(days=2), time(12, tzinfo=timezone.utc)))
    assert (await latest.query(Obligation.status)).stage == "overdue"
    written = types(log, handle)
    assert written.count("obligation.started") == 1 and written.count("obligation.overdue") == 1
    await latest.terminate("test over")


async def test_a_payload_its_model_refuses_fails_the_task_writes_nothing_and_the_fixed_code_goes_on(
    time_skipping_env, task_queue, worker, log, monkeypatch
):
    """A step's effects are checked against their event types' models where they are made,
    before any is carried out (`workflows.process`): a bug that writes a bad payload fails
    the workflow task instead of writing part of the step; once the code is right again,
    the same command completes from the history."""
    import asyncio

    from domain.obligations import Obligation as Process
    from domain.process import Log

    handle, due = await start(time_skipping_env, task_queue)
    right = Process.fulfil

    def buggy(self, cmd, today):
        effects = right(self, cmd, today)
        return [
            e.model_copy(update={"payload": {**e.payload, "on_time": "perhaps"}}) if isinstance(e, Log) else e
            for e in effects
        ]

    monkeypatch.setattr(Process, "fulfil", buggy)
    today = (await time_skipping_env.get_current_time()).date()
    sent = asyncio.create_task(act(handle, Obligation.fulfil, Fulfil(date=today, reference="A7", office="FJI")))
    for _ in range(100):
        failed = [e async for e in handle.fetch_history_events() if e.HasField("workflow_task_failed_event_attributes")]
        if failed:
            break
        await asyncio.sleep(0.1)
    assert failed and "obligation.fulfilled: on_time" in failed[0].workflow_task_failed_event_attributes.failure.message
    assert types(log, handle) == ["obligation.started"]  # nothing of the step written
    monkeypatch.setattr(Process, "fulfil", right)
    status = await asyncio.wait_for(sent, 60)
    assert status.stage == "fulfilled"
    assert types(log, handle) == ["obligation.started", "obligation.fulfilled"]
