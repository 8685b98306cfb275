"""Record the corpus of a version for the replay and contract tests:
`python -m tests.histories.record` (`make freeze`).

It runs every workflow through a real story on a dev server and writes, into
`tests/histories/<version of pyproject.toml>/`, each run's history (named by its workflow
id) and every row the runs wrote to the event log (`events.jsonl`). Every folder there is
replayed against the code of HEAD, and its rows parsed by the event registry, in
`make test`, for ever: a change that breaks one fails until it goes behind
`workflow.patched` (or a new worker deployment) or reads the old shape (an upcaster).

A released version's folder (1.0.0 on, a version with no pre-release part) is never
re-recorded: once it holds a corpus, this refuses to run (the README's versioning policy).
A pre-release (`1.1.0.dev1`, `1.1.0rc1`) may be recorded again by a commit that says so."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import tempfile
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from activities.database import open_event_log
from activities.letters import Mailbox
from activities.records import CcmActivities
from domain.action_items import Complete, Extend, Reassign
from domain.chase import ChaseInput, Close, Pledge, RecordReceipt, ReportPayment, ReverseReceipt, SetMspDate
from domain.meetings import (
    AddActionItem,
    ApproveMinutes,
    CirculateMinutes,
    MeetingInput,
    Participant,
    RecordAttendance,
    Schedule,
    SetNextMeeting,
    meeting_id,
)
from domain.schedule import geneva_today
from runtime.codec import CCM_CONVERTER
from runtime.devserver import binary
from tests.letters import write_contacts
from tests.workers import Worker
from workflows.action_item import ActionItem
from workflows.annual_cycle import AnnualContributionCycle
from workflows.bank_statement import BankStatementImport
from workflows.common import CCM_DUE, CCM_OWNER, CCM_STAGE, CCM_STATE, CCM_THEME, CCM_YEAR
from workflows.concept_note import ConceptNote
from workflows.contribution_chase import ContributionChase
from workflows.meeting import Meeting
from workflows.obligation import Obligation
from workflows.record import RecordCommand

HERE = Path(__file__).parent
# The processes whose state a run hands on (workflows.process.ProcessWorkflow), by id prefix.
SNAPSHOTS = {"chase", "meeting", "action", "concept", "obligation"}


def version() -> str:
    import tomllib

    return tomllib.loads((HERE.parent.parent / "pyproject.toml").read_text())["project"]["version"]


def released(name: str) -> bool:
    """Whether `name` is a release's version (X.Y.Z, 1.0.0 or later), not a pre-release."""
    from packaging.version import Version

    v = Version(name)
    return not v.is_prerelease and not v.is_devrelease and v >= Version("1.0.0")


async def main() -> None:
    if released(version()) and (HERE / version() / "events.jsonl").exists():
        raise SystemExit(
            f"tests/histories/{version()}/ is the frozen corpus of a release: it is never re-recorded. "
            "Set the next version in pyproject.toml (a pre-release while it is in work) and record that."
        )
    keys = [CCM_STATE, CCM_YEAR, CCM_STAGE, CCM_OWNER, CCM_DUE, CCM_THEME]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), search_attributes=keys, data_converter=CCM_CONVERTER, ui=False
    )
    home = Path(tempfile.mkdtemp())
    acts = CcmActivities(
        open_event_log(f"sqlite:///{home / 'e.db'}"),
        Mailbox(home, "isu@example.org"),
        write_contacts(home / "contacts.csv"),
    )
    year = geneva_today().year + 1
    async with env:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            async with Worker(
                env.client,
                task_queue="replay",
                activities=acts,
                activity_executor=pool,
            ):
                inp = ChaseInput(state="ITA", year=year, amount_due=Decimal("38486"), msp_date=date(year, 9, 4))
                handle = await env.client.start_workflow(
                    ContributionChase.run, inp, id=f"chase-{year}-ITA", task_queue="replay"
                )
                today = geneva_today()
                await handle.execute_update(
                    ContributionChase.set_msp_date, SetMspDate(msp_date=date(year, 9, 11), office="isu")
                )
                await handle.execute_update(
                    ContributionChase.pledge, Pledge(expected_date=date(year, 3, 1), office="ITA")
                )
                await handle.execute_update(ContributionChase.report_payment, ReportPayment(date=today, office="ITA"))
                await handle.execute_update(
                    ContributionChase.record_receipt,
                    RecordReceipt(amount=Decimal("20000"), date=today, budget_line="7a"),
                )
                # A part payment that changes no timer: the timer is not restarted.
                await handle.execute_update(
                    ContributionChase.record_receipt,
                    RecordReceipt(amount=Decimal("10000"), date=today, budget_line="7b", reference="R2"),
                )
                await handle.execute_update(
                    ContributionChase.record_receipt,
                    RecordReceipt(amount=Decimal("8486"), date=today, budget_line="7c", reference="R3"),
                )
                # Paid, the chase stays open until the year ends: a reversal reopens it.
                await handle.execute_update(
                    ContributionChase.reverse_receipt,
                    ReverseReceipt(reference="R3", reason="booked twice", office="isu"),
                )
                await handle.execute_update(ContributionChase.cancel, Close(reason="recorded", office="president"))
                await handle.result()
                histories = [
                    await handle.fetch_history(),
                    *await record_meeting(env.client),
                    await record_concept_note(env.client),
                    await record_cycle(env.client),
                    await record_obligation(env.client),
                    await record_target(env.client),
                    await record_ledger(env.client),
                    await record_statement(env.client, year),
                ]
                snapshots = {}  # each process's state as continue-as-new hands it on (a closed run replays)
                for history in histories:
                    if history.workflow_id.split("-")[0] in SNAPSHOTS:
                        wf = env.client.get_workflow_handle(history.workflow_id)
                        snapshots[history.workflow_id] = json.loads(await wf.query("snapshot", result_type=str))
    folder = HERE / version()
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for history in histories:
        # The workflow id is part of the name: replay needs it (child ids derive from it).
        path = folder / f"{history.workflow_id}.json"
        path.write_text(history.to_json())
        print(f"saved {folder.name}/{path.name}: {len(history.events)} events")
    (folder / "snapshots.json").write_text(json.dumps(snapshots, indent=1, sort_keys=True) + "\n")
    print(f"saved {folder.name}/snapshots.json: {len(snapshots)} processes")
    rows = [ev.model_dump_json() for ev in acts.log.query()]
    (folder / "events.jsonl").write_text("\n".join(rows) + "\n")
    print(f"saved {folder.name}/events.jsonl: {len(rows)} rows")


async def record_meeting(client) -> dict:
    """A meeting recorded after the fact, with attendance, an action item, minutes."""
    held = geneva_today() - timedelta(days=2)
    schedule = Schedule.at(held, time(10), time(11, 30), "Permanent Mission of Germany")
    people = [Participant(name="Katy Donnelly", email="donnelly@nz.example", delegation="NZL")]
    meeting = await client.start_workflow(
        Meeting.run, MeetingInput.plan(schedule, participants=people), id=meeting_id(held), task_queue="replay"
    )
    await meeting.execute_update(Meeting.record_attendance, RecordAttendance(present=["DEU", "NZL"], office="isu"))
    await meeting.execute_update(Meeting.set_next_meeting, SetNextMeeting(date=held + timedelta(weeks=5), office="isu"))
    added = await meeting.execute_update(
        Meeting.add_action_item,
        AddActionItem(owner="coordinator:victim-assistance", text="Operational plan", office="isu"),
    )
    item = client.get_workflow_handle(added.summary["action_item"])
    await item.execute_update(ActionItem.reassign, Reassign(owner="ITA", office="isu"))
    await item.execute_update(
        ActionItem.extend, Extend(new_due=held + timedelta(weeks=6), reason="capitals", office="isu")
    )
    await item.execute_update(ActionItem.complete, Complete(note="presented", office="ITA"))
    await meeting.execute_update(Meeting.circulate_minutes, CirculateMinutes(text="Minutes", office="isu"))
    await meeting.execute_update(Meeting.approve_minutes, ApproveMinutes(office="president", at_meeting=geneva_today()))
    await meeting.result()
    return [await meeting.fetch_history(), await item.fetch_history()]


async def record_concept_note(client):
    """A theme's note through comments, approval, changes requested, a due date moved
    twice to the same day, plan approved."""
    from domain.concept_notes import (
        Comment,
        ConceptNoteInput,
        Plan,
        PlanStep,
        RequestChanges,
        SetPlanDue,
        SubmitPlan,
        SubmitVersion,
        concept_note_id,
    )
    from domain.process import Acting
    from domain.schedule import local_to_utc

    day = geneva_today()
    inp = ConceptNoteInput(
        theme="universalization",
        msp="7MSP",
        meeting=day + timedelta(days=7),
        circulate_by=local_to_utc(day + timedelta(days=2), time(18)),
        plan_due=day + timedelta(days=40),
    )
    note = await client.start_workflow(
        ConceptNote.run, inp, id=concept_note_id("7MSP", "universalization"), task_queue="replay"
    )
    president = Acting(actor="Michael Biontino", office="president")
    await note.execute_update(ConceptNote.submit_version, SubmitVersion(text="8 new States", summary="s", office="ZMB"))
    await note.execute_update(ConceptNote.comment, Comment(text="Engage producers", office="ICRC"))
    await note.execute_update(ConceptNote.approve_final, president)
    await note.execute_update(ConceptNote.set_plan_due, SetPlanDue(date=day + timedelta(days=41), office="isu"))
    steps = Plan(
        steps=[
            PlanStep(
                action="Workshop in South East Asia", responsible="FRA", due=day + timedelta(days=90), targets=["MMR"]
            )
        ]
    )
    await note.execute_update(ConceptNote.submit_plan, SubmitPlan(plan=steps, office="FRA"))
    await note.execute_update(ConceptNote.request_changes, RequestChanges(comments="budget?", office="president"))
    await note.execute_update(ConceptNote.submit_plan, SubmitPlan(plan=steps, office="ZMB"))
    await note.execute_update(ConceptNote.approve_plan, president)
    status = await note.result()
    for item in status.action_items:
        await client.get_workflow_handle(item).terminate("recorded")
    return await note.fetch_history()


async def record_cycle(client):
    """A cycle for two States; run twice, the second starts none."""
    from domain.cycle import CycleInput

    inp = CycleInput(amounts_csv="state,amount\nITA,38486\nDEU,65604\n", year=geneva_today().year + 3)
    for run in (1, 2):
        cycle = await client.start_workflow(
            AnnualContributionCycle.run, inp, id=f"annual-contribution-cycle-{run}", task_queue="replay"
        )
        await cycle.result()
    return await cycle.fetch_history()


async def record_obligation(client):
    """An Article 4 deadline: an extension requested and granted, then fulfilled."""
    from domain.obligations import DecideExtension, Fulfil, ObligationInput, RequestExtension

    today = geneva_today()
    inp = ObligationInput(state="LBN", kind="art4-clearance", period="eif", due=today + timedelta(days=400))
    handle = await client.start_workflow(
        Obligation.run, inp, id="obligation-LBN-art4-clearance-eif", task_queue="replay"
    )
    meeting = today - timedelta(days=10)  # a meeting that has met decides; the request went in well before it
    await handle.execute_update(
        Obligation.request_extension,
        RequestExtension(
            new_due=inp.due + timedelta(days=1000),
            meeting=meeting,
            submitted=meeting - timedelta(days=300),
            reason="contamination",
            office="LBN",
        ),
    )
    await handle.execute_update(
        Obligation.decide_extension,
        DecideExtension(granted=True, meeting=meeting, msp="9MSP", text="granted as requested", office="president"),
    )
    await handle.execute_update(Obligation.fulfil, Fulfil(date=today, reference="A7-LBN", office="isu"))
    await handle.result()
    return await handle.fetch_history()


async def record_target(client):
    """A universalization target whose day has passed: judged at once (130 by 2020, missed)."""
    from domain.target_watch import TargetWatchInput
    from domain.universalization import targets
    from workflows.target_watch import UniversalizationTarget

    [target] = [t for t in targets() if t.id == "130-by-2020"]
    handle = await client.start_workflow(
        UniversalizationTarget.run, TargetWatchInput(target=target), id="target-130-by-2020", task_queue="replay"
    )
    await handle.result()
    return await handle.fetch_history()


async def record_ledger(client):
    """A past year's ledger handed to the worker to record."""
    from domain.contributions import ledger_events
    from domain.records import RecordInput, record_id
    from domain.states import registry

    ledger = b"state,amount_due,date,amount,reference,budget_line\nDEU,43650,2016-03-01,43650,DE-1,7c\n"
    inp = RecordInput(
        command="import_contributions", events=ledger_events(ledger, 2016, registry(), "", "isu"), office="isu"
    )
    handle = await client.start_workflow(
        RecordCommand.run, inp, id=record_id(inp.command, "history"), task_queue="replay"
    )
    await handle.result()
    return await handle.fetch_history()


async def record_statement(client, year: int):
    """A camt.053 statement: Zambia's contribution matched by its creditor reference."""
    from domain.bank import creditor_reference, read_statement
    from domain.records import StatementInput, statement_id
    from tests.statements import Line, camt053

    await client.start_workflow(
        ContributionChase.run,
        ChaseInput(state="ZMB", year=year, amount_due=Decimal("500")),
        id=f"chase-{year}-ZMB",
        task_queue="replay",
    )
    data = camt053([Line(ref="ZKB-77", amount="500.00", day=geneva_today(), reference=creditor_reference(year, "ZMB"))])
    statement = read_statement(data)
    handle = await client.start_workflow(
        BankStatementImport.run,
        StatementInput(statement=statement, office="isu"),
        id=statement_id(statement),
        task_queue="replay",
    )
    await handle.result()
    return await handle.fetch_history()


if __name__ == "__main__":
    asyncio.run(main())
