"""The chase on Temporal's time-skipping server, with the real activities: letters in a
Maildir outbox, events in a SQLite log. The server's clock starts now and only moves
forward, so every chase here is for next year and dates are relative to it."""

from __future__ import annotations

import concurrent.futures
import email
import email.policy
import uuid
import warnings
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.worker import Worker as SdkWorker

from domain.chase import (
    ChaseInput,
    ChaseStatus,
    Close,
    CorrectDue,
    Escalate,
    Pledge,
    RecordReceipt,
    ReportPayment,
    ReverseReceipt,
    SetMspDate,
)
from domain.events import Event, NewEvent
from domain.schedule import geneva_date
from tests.conftest import act, sleep_until
from tests.letters import pdf_of, pdf_text
from tests.workers import Worker
from workflows.contribution_chase import ContributionChase
from workflows.ping import Ping


@pytest.fixture
async def year(time_skipping_env) -> int:
    """Next year by the test server's clock (it starts at the real time)."""
    return (await time_skipping_env.get_current_time()).year + 1


async def start(env, task_queue, year, state="ITA", settle=True, **fields):
    inp = ChaseInput(state=state, year=year, amount_due=Decimal("12345.00"), msp_date=date(year, 9, 4), **fields)
    wid = f"chase-{year}-{state}"  # the worker refuses a chase under any other id
    handle = await env.client.start_workflow(ContributionChase.run, inp, id=wid, task_queue=task_queue)
    if settle:  # its call drawn (a worker runs): the log's order is then the letters'
        await handle.execute_update(ContributionChase.settled)
    return handle


async def test_a_chase_imports_nothing_in_its_sandbox_after_the_workers_start(
    time_skipping_env, task_queue, year, worker
):
    """A module first imported inside a run's sandbox is imported again in every run (the
    SDK warns of it): the chase's own, python-stdnum among them, load with the worker."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        handle = await start(time_skipping_env, task_queue, year, state="FRA")
        today = (await time_skipping_env.get_current_time()).date()
        await act(handle, ContributionChase.record_receipt, RecordReceipt(amount=Decimal("12345"), date=today))
    late = [str(w.message) for w in caught if "imported after initial workflow load" in str(w.message)]
    assert not late, late


def at(year, month, day, hour=12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def types(log, handle) -> list[str]:
    return [e.event_type for e in log.query(workflow_id=handle.id)]


async def test_with_auto_escalation_an_unpaid_year_gets_the_presidents_letter_and_ends_in_arrears(
    time_skipping_env, task_queue, year, worker, log, acts, tmp_path
):
    handle = await start(time_skipping_env, task_queue, year, arrears=Decimal("500"), auto_escalate_days=14)
    result: ChaseStatus = await handle.result()
    assert result.outcome == "in_arrears" and result.arrears_carried == Decimal("12845.00")
    assert [(letter.kind, letter.sent_at.date()) for letter in result.letters][1:] == [
        ("second_reminder", date(year, 6, 15)),
        ("pre_msp_reminder", date(year, 8, 14)),
        ("president_letter", date(year, 8, 28)),
    ]
    assert types(log, handle) == [
        "chase.started",
        "chase.reminder_sent",
        "chase.reminder_sent",
        "chase.reminder_sent",
        "chase.escalated",
        "chase.closed_in_arrears",
    ]
    # Started straight through Temporal, naming no one (and saying so), then run by its timers.
    assert [e.actor for e in log.query(workflow_id=handle.id)] == ["unnamed"] + ["system"] * 5
    letters = sorted((tmp_path / "outbox" / "new").iterdir())
    assert len(letters) == 4
    raw = (tmp_path / "outbox" / "new" / f"{handle.id}.president@ccm.clusterconvention.org").read_bytes()
    letter = email.message_from_bytes(raw, policy=email.policy.default)
    assert letter["Subject"] == f"Contribution {year} to the ISU-CCM Trust Fund — Italy"
    body = pdf_text(pdf_of(letter))
    assert "CHF 12'845.00" in body and "Italy" in body and f"CCM-PRES/{year}/ITA/4" in body
    # It names the ISU's notes that went out, by number and date, never "three reminders" by rote.
    call = f"{geneva_date(result.letters[0].sent_at).day} "  # as Geneva dates it
    assert f"as set out in the notes of the ISU-CCM ISU-CCM/{year}/ITA/1 of {call}" in body
    assert f"ISU-CCM/{year}/ITA/2 of 15 June {year} and ISU-CCM/{year}/ITA/3 of 14 August {year}" in body
    assert log.verify().ok


async def test_after_the_pre_msp_reminder_the_presidents_letter_waits_for_the_presidency(
    time_skipping_env, task_queue, year, worker, log, acts, tmp_path
):
    """As the minutes record it: "the President will send individual letters"."""
    handle = await start(time_skipping_env, task_queue, year)
    await sleep_until(time_skipping_env, at(year, 10, 1))
    status = await handle.query(ContributionChase.status)
    assert status.stage == "escalation_due" and [letter.kind for letter in status.letters][-1] == "pre_msp_reminder"
    await handle.execute_update(ContributionChase.settled)
    # The reminder is drawn beside the step that found the escalation due: either may come first.
    assert sorted(types(log, handle)[-2:]) == ["chase.escalation_due", "chase.reminder_sent"]
    told = (tmp_path / "outbox" / "new" / f"{handle.id}.escalation-due@ccm.clusterconvention.org").read_bytes()
    assert b"President's letter to decide" in told
    status = await act(handle, ContributionChase.escalate, Escalate(actor="Michael Biontino", office="president"))
    assert status.stage == "escalated" and status.letters[-1].kind == "president_letter"
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))


async def test_partial_payments_then_full_payment_end_the_chase_with_thanks(
    time_skipping_env, task_queue, year, worker, log
):
    handle = await start(time_skipping_env, task_queue, year)
    today = (await time_skipping_env.get_current_time()).date()
    status = await act(
        handle, ContributionChase.record_receipt, RecordReceipt(amount=Decimal("5000"), date=today, budget_line="7a")
    )
    assert status.stage == "partially_paid" and status.outstanding == Decimal("7345.00")
    status = await act(
        handle, ContributionChase.record_receipt, RecordReceipt(amount=Decimal("8000"), date=today, budget_line="7b")
    )
    assert status.outcome == "paid" and status.credit == Decimal("655.00")
    result = await handle.result()
    assert result.stage == "paid" and result.letters[-1].kind == "thank_you"
    # Paid, the chase stays open until the year ends (for reversals), then closes.
    assert types(log, handle) == [
        "chase.started",
        "chase.reminder_sent",
        "chase.receipt_recorded",
        "chase.receipt_recorded",
        "chase.paid",
        "chase.year_closed",
    ]


async def test_a_reported_payment_that_then_arrives_stops_the_reminders(
    time_skipping_env, task_queue, year, worker, log
):
    handle = await start(time_skipping_env, task_queue, year)
    await sleep_until(time_skipping_env, at(year, 5, 20))
    status = await act(
        handle, ContributionChase.report_payment, ReportPayment(date=date(year, 5, 18), reference="IT-55", office="ITA")
    )
    assert status.stage == "payment_reported" and status.next_action == "follow up the reported payment"
    await sleep_until(time_skipping_env, at(year, 6, 16))  # 15 June passed while paused: no reminder
    assert len((await handle.query(ContributionChase.status)).letters) == 1
    await handle.execute_update(
        ContributionChase.record_receipt, RecordReceipt(amount=Decimal("12345"), date=date(year, 6, 16))
    )
    result = await handle.result()
    assert result.outcome == "paid"
    assert types(log, handle) == [
        "chase.started",
        "chase.reminder_sent",
        "chase.payment_reported",
        "chase.receipt_recorded",
        "chase.paid",
        "chase.year_closed",
    ]


async def test_a_reported_payment_never_received_gets_a_letter_and_the_stage_says_so(
    time_skipping_env, task_queue, year, worker, log, acts, tmp_path
):
    handle = await start(time_skipping_env, task_queue, year, language="fr")
    await sleep_until(time_skipping_env, at(year, 3, 1))
    await handle.execute_update(
        ContributionChase.report_payment, ReportPayment(date=date(year, 3, 1), reference="F1", office="ITA")
    )
    await sleep_until(time_skipping_env, at(year, 4, 1))
    status = await handle.query(ContributionChase.status)
    assert status.stage == "reported_not_received"
    assert status.letters[-1].kind == "reported_not_received" and status.letters[-1].sent_at.date() == date(year, 3, 31)
    assert types(log, handle)[-1] == "chase.reported_not_received"
    path = next(p for p in (tmp_path / "outbox" / "new").iterdir() if "reported-not-received" in p.name)
    letter = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert letter["Subject"] == f"Paiement annoncé mais non reçu — Italie, {year}"
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))


async def test_a_pledge_delays_the_reminders_until_its_date(time_skipping_env, task_queue, year, worker, log, acts):
    handle = await start(time_skipping_env, task_queue, year)
    await sleep_until(time_skipping_env, at(year, 6, 1))
    status = await act(
        handle, ContributionChase.pledge, Pledge(expected_date=date(year, 7, 10), note="being processed", office="ITA")
    )
    assert status.stage == "pledged"
    await sleep_until(time_skipping_env, at(year, 7, 9))
    assert len((await handle.query(ContributionChase.status)).letters) == 1  # 15 June waited
    await sleep_until(time_skipping_env, at(year, 7, 11))
    status = await handle.query(ContributionChase.status)
    assert [(x.kind, x.sent_at.date()) for x in status.letters][1:] == [("second_reminder", date(year, 7, 10))]
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))


async def test_the_pre_msp_reminder_moves_with_the_msp_date(time_skipping_env, task_queue, year, worker, log, acts):
    handle = await start(time_skipping_env, task_queue, year)
    status = await act(handle, ContributionChase.set_msp_date, SetMspDate(msp_date=date(year, 10, 2), office="isu"))
    assert status.msp_date == date(year, 10, 2)
    await sleep_until(time_skipping_env, at(year, 9, 12))
    status = await handle.query(ContributionChase.status)
    assert [(x.kind, x.sent_at.date()) for x in status.letters][-1] == ("pre_msp_reminder", date(year, 9, 11))
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))


async def test_starting_the_same_chase_twice_is_refused(time_skipping_env, task_queue, year, worker):
    inp = ChaseInput(state="NOR", year=year, amount_due=Decimal("100"))
    wid = f"chase-{year}-NOR"
    handle = await time_skipping_env.client.start_workflow(ContributionChase.run, inp, id=wid, task_queue=task_queue)
    with pytest.raises(WorkflowAlreadyStartedError):
        await time_skipping_env.client.start_workflow(ContributionChase.run, inp, id=wid, task_queue=task_queue)
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))


async def test_a_receipt_on_a_finished_chase_is_refused(time_skipping_env, task_queue, year, worker):
    handle = await start(time_skipping_env, task_queue, year)
    await handle.execute_update(ContributionChase.waive, Close(reason="exceptional circumstances", office="president"))
    assert (await handle.result()).outcome == "waived"
    with pytest.raises(Exception) as err:  # "update not found" on this server
        await handle.execute_update(
            ContributionChase.record_receipt,
            RecordReceipt(amount=Decimal("1"), date=(await time_skipping_env.get_current_time()).date()),
        )
    assert "not found" in str(err.value).lower() or "completed" in str(err.value).lower()


async def test_a_refused_update_changes_nothing(time_skipping_env, task_queue, year, worker, log, acts):
    handle = await start(time_skipping_env, task_queue, year)
    future = (await time_skipping_env.get_current_time()).date() + timedelta(days=3)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(ContributionChase.record_receipt, RecordReceipt(amount=Decimal("5"), date=future))
    assert "in the future" in str(err.value.cause)
    status = await handle.query(ContributionChase.status)
    assert status.received == 0 and status.receipts == []
    await handle.execute_update(ContributionChase.set_msp_date, SetMspDate(msp_date=date(year, 9, 5), office="isu"))
    assert types(log, handle) == ["chase.started", "chase.reminder_sent", "chase.msp_date_set"]
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))


@pytest.mark.slow
async def test_an_activity_that_fails_after_writing_writes_its_event_once(time_skipping_env, log, acts):
    """Fault injection: the first attempt writes the row, then fails as if the worker
    died before reporting; the retry finds the idempotency key and writes nothing."""
    attempts = []

    @activity.defn(name="record_event")
    def flaky_record_event(event: NewEvent) -> Event:
        stored = acts.record_event(event)
        attempts.append(activity.info().attempt)
        if activity.info().attempt == 1:
            raise RuntimeError("worker lost after the write")
        return stored

    queue = f"tq-{uuid.uuid4().hex[:8]}"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        # the SDK's worker with the one flaky activity: the fault is injected below ccm's factory
        async with SdkWorker(
            time_skipping_env.client,
            task_queue=queue,
            workflows=[Ping],
            activities=[flaky_record_event],
            activity_executor=pool,
        ):
            event = await time_skipping_env.client.execute_workflow(
                Ping.run, "fault", id=f"ping-{queue}", task_queue=queue
            )
    assert attempts == [1, 2]
    assert log.count() == 1 and event.seq == 1 and log.verify().ok


async def test_a_reference_counts_once_and_a_reversal_reopens_a_paid_chase(
    time_skipping_env, task_queue, year, worker, log
):
    handle = await start(time_skipping_env, task_queue, year)
    today = (await time_skipping_env.get_current_time()).date()
    receipt = RecordReceipt(amount=Decimal("12345"), date=today, reference="UBS-1", budget_line="7a")
    assert (await act(handle, ContributionChase.record_receipt, receipt)).outcome == "paid"
    again = RecordReceipt(amount=Decimal("12345"), date=today, reference="UBS-1", budget_line="7b")
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(ContributionChase.record_receipt, again)
    cause = err.value.cause  # the reference, said first and typed: a program need not read the words
    assert cause.type == "already_recorded" and "bank reference UBS-1 is already recorded" in cause.message
    status = await act(
        handle,
        ContributionChase.reverse_receipt,
        ReverseReceipt(reference="UBS-1", reason="booked on the wrong State", office="isu"),
    )
    assert status.outcome is None and status.stage == "partially_paid" and status.outstanding == Decimal("12345.00")
    assert status.received == Decimal("0.00") and status.receipts[0].reversed
    with pytest.raises(WorkflowUpdateFailedError) as err:  # reversed once; not twice
        await handle.execute_update(
            ContributionChase.reverse_receipt, ReverseReceipt(reference="UBS-1", reason="again", office="isu")
        )
    assert "no standing receipt with bank reference 'UBS-1'" in str(err.value.cause)
    status = await act(
        handle, ContributionChase.correct_due, CorrectDue(amount=Decimal("10000"), reason="scale", office="isu")
    )
    assert status.amount_due == Decimal("10000.00") and status.outstanding == Decimal("10000.00")
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))
    assert types(log, handle) == [
        "chase.started",
        "chase.reminder_sent",
        "chase.receipt_recorded",
        "chase.paid",
        "chase.receipt_reversed",
        "chase.reopened",
        "chase.due_corrected",
        "chase.cancelled",
    ]
    # The reversal's two events went together: one activity, one transaction (one clock reading).
    rows = {e.event_type: e for e in log.query(workflow_id=handle.id)}
    assert rows["chase.receipt_reversed"].recorded_at == rows["chase.reopened"].recorded_at
    assert rows["chase.reopened"].seq == rows["chase.receipt_reversed"].seq + 1
    batches = [
        ev.activity_task_scheduled_event_attributes.activity_type.name
        async for ev in handle.fetch_history_events()
        if ev.HasField("activity_task_scheduled_event_attributes")
    ]
    assert batches.count("record_events") == 1, batches


async def test_an_office_that_may_not_act_is_refused_before_anything_changes(
    time_skipping_env, task_queue, year, worker, log
):
    handle = await start(time_skipping_env, task_queue, year, state="SMR")
    await handle.execute_update(ContributionChase.set_msp_date, SetMspDate(msp_date=date(year, 9, 8), office="isu"))
    before = types(log, handle)  # an update waits for the start's own effects
    assert before[-1] == "chase.msp_date_set"
    for name, cmd, message in [
        ("waive", Close(reason="we cannot pay", office="SMR"), "only the Presidency may waive, not SMR"),
        ("escalate", Escalate(office="ITA"), "only the Presidency may escalate, not ITA"),
        (
            "record_receipt",
            RecordReceipt(amount=Decimal("1"), date=date(year, 1, 2), office="FRA"),
            "only the ISU may record receipt, not FRA",
        ),
        (
            "pledge",
            Pledge(expected_date=date(year, 9, 1), office="ITA"),
            "only the ISU or the State itself (SMR) may pledge, not ITA",
        ),
        ("report_payment", ReportPayment(date=date(year, 1, 2), office="Atlantis"), "not unknown office 'Atlantis'"),
    ]:
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(name, cmd)
        assert message in str(err.value.cause), name
    assert types(log, handle) == before
    await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))


async def test_a_bug_fails_the_workflow_task_not_the_chase_and_a_fixed_worker_carries_on(
    time_skipping_env, task_queue, year, log, acts, monkeypatch
):
    """Only a refusal fails a workflow. A bug (here: any exception when the second
    reminder falls due) fails the workflow task, which Temporal retries, shown in the UI,
    until a fixed worker is deployed; the chase then goes on where it was."""
    import asyncio

    from temporalio.api.enums.v1 import EventType
    from temporalio.client import WorkflowExecutionStatus

    from domain.chase import Chase

    fire = Chase.fire

    def buggy(self, action, now, facts=None):
        raise KeyError("a bug deployed with this worker")

    async def run_worker_until(condition, moment=None):
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            async with Worker(
                time_skipping_env.client,
                task_queue=task_queue,
                activities=acts,
                activity_executor=pool,
            ):
                if moment:
                    await sleep_until(time_skipping_env, moment)
                # In real time from here: the server skips no time while a task fails.
                for _ in range(300):
                    if await condition():
                        return
                    await asyncio.sleep(0.2)
                raise AssertionError("never came to pass")

    async def task_failed() -> bool:
        history = await handle.fetch_history()
        return any(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED for e in history.events)

    monkeypatch.setattr(Chase, "fire", buggy)
    handle = await start(time_skipping_env, task_queue, year, settle=False)
    # The second reminder falls due on 15 June at 08:00 UTC: a second before, then in real time.
    await run_worker_until(task_failed, at(year, 6, 15, 8) - timedelta(seconds=1))
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING  # not failed: waiting for a fix
    assert "chase.reminder_sent" in types(log, handle) and types(log, handle).count("chase.reminder_sent") == 1

    monkeypatch.setattr(Chase, "fire", fire)  # the fix, deployed
    second: list = []

    async def second_reminder_sent() -> bool:
        if types(log, handle).count("chase.reminder_sent") < 2:
            return False
        second.append(await handle.query(ContributionChase.status))  # while the fixed worker runs
        await handle.execute_update(ContributionChase.cancel, Close(reason="test over", office="president"))
        return True

    await run_worker_until(second_reminder_sent)
    assert second[0].stage == "reminded" and second[0].outcome is None and len(second[0].letters) == 2


async def test_the_web_ui_shows_current_details_that_follow_the_chase(time_skipping_env, task_queue, year, worker):
    """The details the web UI shows (`temporal workflow metadata`: current details) are
    kept true after every command: after a payment they read paid, never the start's."""
    handle = await start(time_skipping_env, task_queue, year)

    async def details() -> str:
        return (await handle.query("__temporal_workflow_metadata")).current_details

    before = await details()
    assert before.startswith("Stage: invoiced. Due CHF 12345.00, received CHF 0.00, outstanding CHF 12345.00"), before
    assert f"Next: send the second reminder, {year}-06-15 08:00 UTC" in before
    today = (await time_skipping_env.get_current_time()).date()
    await act(
        handle,
        ContributionChase.record_receipt,
        RecordReceipt(amount=Decimal("12345"), date=today, reference="UI-1", budget_line="7a"),
    )
    after = await details()
    assert after.startswith("Stage: paid. Due CHF 12345.00, received CHF 12345.00, outstanding CHF 0.00"), after
    # Each of the chase's commands says what it does, as `temporal workflow metadata` shows them.
    metadata = await handle.query("__temporal_workflow_metadata")
    updates = {u.name: u.description for u in metadata.definition.update_definitions}
    assert updates["record_receipt"].startswith("Money received") and all(updates.values()), updates
