"""A year as deployed, from 2 January to 31 December, on Temporal's time-skipping server:
the log on PostgreSQL written by its owner, every row signed by the worker's key,
signatures required (an administrator's key the root of trust), a workflows worker and a
letters worker, built as `ccm worker` builds them (`runtime.worker`).

The year: the annual cycle starts the chases on 2 January (signed by the ISU, as `chase
start-all` and the Schedule's input); a signed camt.053 statement on the 5th of each month
from February to November, with full, partial, remittance-matched and foreign-currency
payments, one reversal, one entry nobody can match (settled by hand, as `bank match`), and
one statement imported twice; the reminders on their dates; the ISU's key revoked in June
and its holder's new key registered (the old one refused from then on); the Presidency
handed over at the Meeting of States Parties in September, the President's letters before
signed by the old holder and after by the new; six meetings of the Coordination Committee,
each approving the last one's minutes (circulated by the ISU, approved by the President);
a concept note presented in April, its operational plan approved in June (its step an
action item);
last year's Article 7 reports due on 30 April, one on time and two late; the workers
stopped and started again in July; a checkpoint at each month's end. On 31
December: the chases' receipts reconcile to the centime with the statements' matched
credits and the hand-settled entry; every letter went out once; every chase event is signed,
proved by a bank entry, or the system's (the meetings' too); the signatures and the rows' writers verify
offline; credits and arrears carry into the next year's dry run.

Temporal's test server has no visibility and no Schedules: the commands are sent as the
CLI's services send them (signed the same way), not through the `ccm` commands, which
first ask the server whether a worker polls."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import subprocess
import sys
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from domain.process import Acting
from tests.conftest import sleep_until
from tests.e2e.conftest import POSTGRES, _new_key, drop_postgres_log, key_statement, postgres_log
from tests.letters import write_contacts
from tests.statements import IBAN, Line, camt053

pytestmark = pytest.mark.slow

ISU = Acting(actor="Sheila Mweemba", office="isu")
ADMIN = Acting(actor="Administrator", office="isu")
AMOUNTS = {"DEU": "10000", "FRA": "8000", "ITA": "6000", "NZL": "2000", "JPN": "9000", "HUN": "1000"}


@pytest.fixture
def deployed(tmp_path, monkeypatch):
    """The compose's configuration for one worker process in this test: a PostgreSQL log of
    its own (owner and reader roles), keys, and the settings the worker reads."""
    name = postgres_log(f"year_{uuid.uuid4().hex[:8]}")
    home = tmp_path / "home"
    home.mkdir()
    write_contacts(home / "contacts.csv")
    base = {"CCM_HOME": str(home)}
    dirs = {k: tmp_path / k for k in ("admin", "isu", "isu-new", "worker", "president", "president-new", "coordinator")}
    admin_pem, admin_public = _new_key(base, dirs["admin"], "Administrator@isu")
    keys = {"admin": admin_pem}
    for k, holder in (
        ("isu", "Sheila Mweemba@isu"),
        ("isu-new", "Sheila Mweemba@isu"),
        ("worker", "ccm worker@isu"),
        ("president", "Michael Biontino@president"),
        ("president-new", "Ana Presidenta@president"),
        ("coordinator", "Silvia Cattaneo@coordinator:victim-assistance"),
    ):
        keys[k] = _new_key(base, dirs[k], holder)[0]
    owner = POSTGRES.format(name + "_owner", name)
    env = base | {
        "CCM_DATABASE_URL": owner,
        "CCM_REQUIRE_SIGNATURES": "true",
        "CCM_ADMIN_KEYS": admin_public,
        "CCM_CHECKPOINT_KEY": str(keys["worker"]),
        "CCM_TASK_QUEUE": f"year-{uuid.uuid4().hex[:6]}",
        "CCM_KEYS_DIR": str(dirs["isu"]),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    upgraded = subprocess.run(
        [str(Path(sys.executable).parent / "ccm"), "db", "upgrade"],
        env=os.environ | env,
        capture_output=True,
        text=True,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    yield env, keys, dirs
    drop_postgres_log(name)


async def record(client, queue: str, command: str, events: list, acting: Acting, key=None):
    """A recorded command, signed (with `key`, or the key of the keys folder for its office),
    written by the worker, as `services.commands.record` hands it over."""
    from domain.records import RecordInput, signed_arguments
    from services.keystore import sign_start
    from workflows.record import RecordCommand

    workflow_id = f"record-{command.replace('_', '-')}-{uuid.uuid4().hex[:12]}"
    inp = RecordInput(command=command, events=events, actor=acting.actor, office=acting.office)
    inp = sign_start(inp, workflow_id, command, signed_arguments(inp), key)
    return await client.execute_workflow(RecordCommand.run, inp, id=workflow_id, task_queue=queue)


async def checkpoint(client, queue: str, workflow_id: str) -> dict:
    """`ccm audit checkpoint`: the ISU's request, signed, for the worker to sign the log's head."""
    from domain.records import CheckpointRequest, checkpoint_arguments
    from services.keystore import sign_start
    from workflows.checkpoint import LogCheckpoint

    inp = CheckpointRequest(actor=ISU.actor, office=ISU.office)
    inp = sign_start(inp, workflow_id, "checkpoint", checkpoint_arguments(inp))
    return await client.execute_workflow(LogCheckpoint.run, inp, id=workflow_id, task_queue=queue)


async def import_statement(client, queue: str, lines: list[Line], statement_id: str, day: date) -> list[dict]:
    """`ccm bank import`: the statement read, signed with its entries, run by the worker."""
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

    from domain.bank import read_statement
    from domain.records import StatementInput
    from domain.records import statement_id as run_id
    from services.keystore import sign_statement
    from workflows.bank_statement import BankStatementImport

    statement = read_statement(camt053(lines, statement_id, day=day))
    workflow_id = run_id(statement)
    inp = sign_statement(StatementInput(statement=statement, actor=ISU.actor, office=ISU.office), workflow_id)
    return await client.execute_workflow(
        BankStatementImport.run,
        inp,
        id=workflow_id,
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )


async def test_a_year_as_deployed(time_skipping_env, deployed):
    from activities.bank import entry_key, new_event, receive
    from domain.audit import verify_signed_events
    from domain.bank import Entry, creditor_reference
    from domain.chase import ChaseStatus, Escalate, workflow_id
    from domain.concept_notes import (
        ConceptNoteInput,
        ConceptNoteStatus,
        Plan,
        PlanStep,
        SubmitPlan,
        SubmitVersion,
        concept_note_id,
    )
    from domain.contributions import fold_contributions
    from domain.cycle import CycleInput
    from domain.meetings import ApproveMinutes, CirculateMinutes, MeetingInput, MeetingStatus, meeting_id
    from domain.obligations import Fulfil, ObligationInput, obligation_id
    from domain.schedule import Schedule, closed_day
    from domain.signatures import KeyRing, verify_writers
    from runtime.worker import build_activities, make_workers
    from services.chases import ChaseCommands
    from services.commands import read_status, start, update
    from services.settings import Settings
    from workflows.annual_cycle import AnnualContributionCycle
    from workflows.concept_note import ConceptNote
    from workflows.meeting import Meeting
    from workflows.obligation import Obligation

    env, keys, dirs = deployed
    server = time_skipping_env
    now = await server.get_current_time()
    year = now.year + 1
    await sleep_until(server, datetime(year, 1, 2, 6, tzinfo=timezone.utc))
    settings = Settings()
    queue = settings.task_queue
    acts = build_activities(settings)
    log = acts.log
    client = server.client
    ref = {s: creditor_reference(year, s).replace(" ", "") for s in AMOUNTS}

    def at(month: int, day: int, hour: int = 9) -> datetime:
        return datetime(year, month, day, hour, tzinfo=timezone.utc)

    async def serve(pool, cached: bool = True) -> contextlib.AsyncExitStack:
        """A workflows worker and a letters worker, as two `ccm worker --serves …` run them.
        Uncached, the worker keeps no run in memory: every workflow task replays its history,
        and no task waits on the worker's own (sticky) queue once it is gone, where Temporal's
        test server would wait in skipped time (a real server sends it on after 5 s)."""
        stack = contextlib.AsyncExitStack()
        config = settings if cached else settings.model_copy(update={"worker_cache": 0})
        for worker in make_workers(client, config, acts, pool, "workflows") + make_workers(
            client, config, acts, pool, "letters"
        ):
            await stack.enter_async_context(worker)
        return stack

    with concurrent.futures.ThreadPoolExecutor(8) as pool, server.auto_time_skipping_disabled():
        running = await serve(pool, cached=False)
        try:
            # The administrator registers the ISU's key, the worker's, and the Presidency:
            # its current holder until the Meeting of States Parties, the next from then.
            real = datetime.now(timezone.utc).date()
            msp = date(year, 9, 10)
            for key, holder, office, start_day, end_day, letters in (
                ("isu", "Sheila Mweemba", "isu", real - timedelta(days=1), date(year, 12, 31), False),
                ("worker", "ccm worker", "isu", real - timedelta(days=1), date(year + 1, 12, 31), False),
                ("president", "Michael Biontino", "president", real - timedelta(days=1), msp, True),
                ("president-new", "Ana Presidenta", "president", msp + timedelta(days=1), date(year + 1, 9, 30), True),
                (
                    "coordinator",
                    "Silvia Cattaneo",
                    "coordinator:victim-assistance",
                    real - timedelta(days=1),
                    date(year, 12, 31),
                    False,
                ),
            ):
                event, admin = key_statement(
                    "key.registered",
                    keys[key],
                    keys["admin"],
                    holder=holder,
                    office=office,
                    valid_from=start_day,
                    valid_until=end_day,
                    signs_letters=letters,
                    title="President of the Meeting of States Parties" if letters else "",
                )
                assert (await record(client, queue, "register_key", [event], ADMIN, key=admin)).written == 1
            acts.verifier.refresh()

            # 2 January: the cycle starts the year's chases, signed by the ISU.
            amounts = "state,amount\n" + "".join(f"{s},{a}\n" for s, a in AMOUNTS.items())
            cycle = await start(
                client,
                AnnualContributionCycle.run,
                CycleInput(year=year, amounts_csv=amounts),
                f"start-all-{year}",
                queue,
                ISU,
                wait=False,
            )
            started = await cycle.result()
            assert sorted(started.started) == sorted(AMOUNTS) and started.missing == ""

            statements = {
                2: [
                    Line(f"Y{year}-02-1", "10000.00", date(year, 2, 3), reference=ref["DEU"]),
                    Line(f"Y{year}-02-2", "3000.00", date(year, 2, 4), reference=ref["FRA"]),
                    Line(f"Y{year}-02-3", "500.00", date(year, 2, 4), currency="EUR", text="Ministry, Rome"),
                ],
                3: [
                    Line(f"Y{year}-03-1", "5000.00", date(year, 3, 2), reference=ref["FRA"]),
                    Line(f"Y{year}-03-2", "9000.00", date(year, 3, 3), text=f"Contribution {year} of Japan"),
                ],
                4: [
                    Line(
                        f"Y{year}-04-1", "5000.00", date(year, 4, 1), credit=False, reversal=True, reference=ref["FRA"]
                    ),
                    Line(f"Y{year}-04-2", "750.00", date(year, 4, 2), text="transfer 88121"),
                ],
                5: [
                    Line(f"Y{year}-05-1", "5000.00", date(year, 5, 4), reference=ref["FRA"]),
                    Line(f"Y{year}-05-2", "25.00", date(year, 5, 4), credit=False, text="Account fee"),
                ],
                7: [Line(f"Y{year}-07-1", "1000.00", date(year, 7, 2), reference=ref["HUN"])],
                9: [Line(f"Y{year}-09-1", "2000.00", date(year, 9, 3), reference=ref["ITA"])],
                11: [Line(f"Y{year}-11-1", "100.00", date(year, 11, 2), reference=ref["DEU"])],  # a credit
            }
            outcomes = {}
            met: list[date] = []

            async def as_president(workflow: str, name: str, cmd, holder: str = "president") -> None:
                """A command signed with the key of `holder` (the President's, a coordinator's)."""
                os.environ["CCM_KEYS_DIR"] = str(dirs[holder])
                try:
                    await update(client, workflow, name, cmd, check_worker=False)
                finally:
                    os.environ["CCM_KEYS_DIR"] = str(dirs["isu-new" if rotated else "isu"])

            async def committee(month: int) -> None:
                """The meeting of this month scheduled (the ISU), the last one's minutes circulated
                (the ISU), and the one before approved at the last one (the President)."""
                if len(met) >= 2:
                    await as_president(
                        meeting_id(met[-2]), "approve_minutes", ApproveMinutes(at_meeting=met[-1], office="president")
                    )
                if met:
                    await update(
                        client,
                        meeting_id(met[-1]),
                        "circulate_minutes",
                        CirculateMinutes(text=f"Minutes of the Coordination Committee, {met[-1]}", office="isu"),
                        check_worker=False,
                    )
                if month > 12:
                    return
                day = date(year, month, 15)
                while closed_day(day):
                    day += timedelta(days=1)
                inp = MeetingInput.plan(
                    Schedule.at(day, time(10), time(11, 30), "Palais des Nations"),
                    previous_meeting=met[-1] if met else None,
                )
                await start(client, Meeting.run, inp, meeting_id(day), queue, ISU)
                met.append(day)

            rotated = False
            for month in range(2, 12):
                while await server.get_current_time() < at(month, 5):  # a day at a time: each call is short
                    await sleep_until(server, min(at(month, 5), await server.get_current_time() + timedelta(days=1)))
                lines = statements.get(
                    month,
                    [Line(f"Y{year}-{month:02}-fee", "25.00", date(year, month, 1), credit=False, text="Account fee")],
                )
                rows = await import_statement(client, queue, lines, f"STMT-{year}-{month:02}", date(year, month, 4))
                outcomes.update({r["entry"]: r["outcome"] for r in rows})
                if month == 3:  # March's statement imported again in March: nothing changes
                    again = await import_statement(client, queue, lines, f"STMT-{year}-03", date(year, 3, 4))
                    assert all(r["already"] for r in again)
                if month == 4:  # the entry nobody can match, settled by hand for New Zealand (`bank match`)
                    unmatched = next(
                        ev
                        for ev in log.query(event_type="bank.entry_unmatched")
                        if ev.payload["entry"]["ref"] == f"Y{year}-04-2"
                    )
                    entry = Entry(**unmatched.payload["entry"])
                    wid = workflow_id(year, "NZL")
                    assert (
                        await receive(
                            ChaseCommands(client), wid, entry.amount, entry, ISU, f"match-{uuid.uuid4().hex[:8]}"
                        )
                        == ""
                    )
                    source = {k: unmatched.payload[k] for k in ("account", "statement", "format", "sha256")}
                    await record(
                        client,
                        queue,
                        "match_bank_entry",
                        [
                            new_event(
                                source,
                                entry,
                                ISU,
                                "bank.entry_matched",
                                "NZL",
                                key=f"{entry_key(IBAN, entry.ref)}/matched",
                                chase=wid,
                                how="by_hand",
                                chf=str(entry.amount),
                            )
                        ],
                        ISU,
                    )
                if month == 6:  # the ISU's key revoked, its holder's new key registered
                    event, admin = key_statement("key.revoked", keys["isu"], keys["admin"], reason="laptop lost")
                    await record(client, queue, "revoke_key", [event], ADMIN, key=admin)
                    event, admin = key_statement(
                        "key.registered",
                        keys["isu-new"],
                        keys["admin"],
                        holder="Sheila Mweemba",
                        office="isu",
                        valid_from=real,
                        valid_until=date(year, 12, 31),
                    )
                    await record(client, queue, "register_key", [event], ADMIN, key=admin)
                    acts.verifier.refresh()
                    from temporalio.client import WorkflowUpdateFailedError

                    with pytest.raises(WorkflowUpdateFailedError) as refused:
                        await update(
                            client, workflow_id(year, "ITA"), "escalate", Escalate(office="isu"), check_worker=False
                        )
                    assert "was revoked" in str(refused.value.cause)
                    os.environ["CCM_KEYS_DIR"] = str(dirs["isu-new"])
                    rotated = True
                if month == 2:  # last year's Article 7 reports, due on 30 April
                    for state in ("DEU", "FRA", "ITA"):
                        await start(
                            client,
                            Obligation.run,
                            ObligationInput(
                                state=state,
                                kind="art7-annual",
                                period=str(year - 1),
                                due=date(year, 4, 30),
                                due_source="Article 7(2): by 30 April each year",
                            ),
                            obligation_id(state, "art7-annual", str(year - 1)),
                            queue,
                            ISU,
                        )
                for state, filed in (("DEU", date(year, 4, 3)), ("FRA", date(year, 5, 4)), ("ITA", date(year, 6, 1))):
                    if filed.month == month:  # Germany's on time; France's and Italy's late
                        await update(
                            client,
                            obligation_id(state, "art7-annual", str(year - 1)),
                            "fulfil",
                            Fulfil(date=filed, reference=f"{state}-A7-{year - 1}", office="isu"),
                            check_worker=False,
                        )
                if month % 2 == 0:  # the Coordination Committee meets every other month
                    await committee(month)
                note = concept_note_id(f"{year - 2010}MSP", "victim-assistance")
                if month == 4:  # a concept note for April's meeting, circulated by its coordinators
                    await start(
                        client,
                        ConceptNote.run,
                        ConceptNoteInput(
                            theme="victim-assistance",
                            msp=f"{year - 2010}MSP",
                            meeting=met[-1],
                            circulate_by=datetime(year, 4, 9, 16, tzinfo=timezone.utc),
                            plan_due=date(year, 6, 30),
                        ),
                        note,
                        queue,
                        ISU,
                    )
                    await as_president(
                        note,
                        "submit_version",
                        SubmitVersion(
                            text="Victim assistance: concept note",
                            summary="What the coordinators propose.",
                            office="coordinator:victim-assistance",
                        ),
                        holder="coordinator",
                    )
                if month == 6:  # presented in April: approved, then its operational plan submitted and approved
                    await as_president(note, "approve_final", Acting(office="president"))
                    await as_president(
                        note,
                        "submit_plan",
                        SubmitPlan(
                            plan=Plan(
                                steps=[
                                    PlanStep(
                                        action="Survey of victims' needs in two States",
                                        responsible="ITA",
                                        due=date(year, 11, 30),
                                    )
                                ]
                            ),
                            office="coordinator:victim-assistance",
                        ),
                        holder="coordinator",
                    )
                    await as_president(note, "approve_plan", Acting(office="president"))
                if month == 7:  # the workers stopped mid-year and started again: every chase replays
                    await running.aclose()
                    running = await serve(pool)
                if month in (9, 10):  # before the handover (New Zealand) and after it (Italy): the President
                    await as_president(
                        workflow_id(year, "NZL" if month == 9 else "ITA"), "escalate", Escalate(office="president")
                    )
                await checkpoint(client, queue, f"checkpoint-{year}-{month}")
            await sleep_until(server, at(12, 5))
            await committee(12)
            while await server.get_current_time() < at(12, 31, 18):
                await sleep_until(server, min(at(12, 31, 18), await server.get_current_time() + timedelta(days=1)))
            await committee(13)  # 31 December: the December meeting's minutes circulated
            meetings = [await read_status(client, meeting_id(day), MeetingStatus) for day in met]
            plan = await read_status(
                client, concept_note_id(f"{year - 2010}MSP", "victim-assistance"), ConceptNoteStatus
            )

            status = {s: await read_status(client, workflow_id(year, s), ChaseStatus) for s in AMOUNTS}
        finally:
            await running.aclose()

    assert outcomes[f"Y{year}-02-3"] == "unmatched"  # in EUR: never matched by itself
    assert outcomes[f"Y{year}-03-2"] == "matched" and outcomes[f"Y{year}-04-1"] == "reversed"
    assert outcomes[f"Y{year}-05-2"] == "ignored"
    received = {s: st.received for s, st in status.items()}
    assert received == {
        "DEU": Decimal("10100.00"),
        "FRA": Decimal("8000.00"),
        "ITA": Decimal("2000.00"),
        "NZL": Decimal("750.00"),
        "JPN": Decimal("9000.00"),
        "HUN": Decimal("1000.00"),
    }

    # The status report, folded from the log, reconciles to the centime with the statements.
    report = fold_contributions(log.query(workflow_prefix=f"chase-{year}-"), year)
    matched = sum(
        Decimal(ev.payload.get("chf") or ev.payload["entry"]["amount"])
        for ev in log.query(event_type="bank.entry_matched")
    )
    reversed_ = sum(Decimal(ev.payload["entry"]["amount"]) for ev in log.query(event_type="bank.entry_reversed"))
    assert sum(r.received for r in report.states) == matched - reversed_ == sum(received.values())

    # Every letter and message went out once: the calls, the reminders, the thanks, the
    # President's letters, the escalation due to the Presidency (no SMTP server here: the
    # outbox holds each, once).
    written = [ev for ev in log.query() if "message_id" in ev.payload]  # chases', meetings', obligations'
    assert {ev.workflow_id.split("-")[0] for ev in written} >= {"chase", "meeting", "obligation", "action"}
    outbox = list((Path(env["CCM_HOME"]) / "outbox" / "new").iterdir())
    assert len(outbox) == len(written) == len({ev.idempotency_key for ev in written}), {
        p.name.split("@")[0] for p in outbox
    } ^ {ev.idempotency_key.replace("/", ".") for ev in written}
    letters = [ev for ev in written if "letter" in ev.payload]
    kinds = [ev.payload["letter"] for ev in letters if ev.subject == "ITA"]
    assert kinds.count("call_for_contributions") == 1 and "president_letter" in kinds
    signers = {ev.subject: ev.payload["signed_by"] for ev in letters if ev.payload["letter"] == "president_letter"}
    assert signers == {"NZL": "Michael Biontino", "ITA": "Ana Presidenta"}, signers  # before and after 10 September

    # Six meetings of the Committee, each approving the last one's minutes (December's wait
    # for the next year's first).
    assert [m.stage for m in meetings] == ["minutes_approved"] * 5 + ["minutes_circulated"], meetings
    approved = [ev for ev in log.query(event_type="meeting.minutes_approved")]
    assert [ev.payload.get("at_meeting") for ev in approved] == [d.isoformat() for d in met[1:]], approved

    # A concept note presented in April, its operational plan approved: its step an action item.
    assert plan.stage == "plan_approved", plan.stage
    assert len(list(log.query(event_type="action.*"))) >= 1

    # Article 7: Germany's report on time; France's and Italy's late, each overdue from 1 May.
    filed = {ev.subject: ev.payload["on_time"] for ev in log.query(event_type="obligation.fulfilled")}
    assert filed == {"DEU": True, "FRA": False, "ITA": False}
    assert sorted(ev.subject for ev in log.query(event_type="obligation.overdue")) == ["FRA", "ITA"]

    # Every process event is signed, proved by a bank entry, or the system's; all verify offline.
    kinds = ("chase-", "meeting-", "start-all-", "obligation-", "concept-", "action-")
    processes = [ev for ev in log.query() if ev.workflow_id.startswith(kinds)]
    for ev in processes:
        assert "signed" in ev.payload or "proved" in ev.payload or ev.actor == "system", (ev.event_type, ev.actor)
    assert {ev.workflow_id.split("-")[0] for ev in processes} == {
        "chase",
        "meeting",
        "start",
        "obligation",
        "action",
        "concept",
    }
    from domain.signatures import admin_keys

    ring = KeyRing.from_events(admin_keys(env["CCM_ADMIN_KEYS"]), log.query(workflow_id="keys"))
    commands, count, problem = verify_signed_events(ring, log.query())
    assert problem is None, problem
    proved = [ev for ev in log.query(workflow_prefix=f"chase-{year}-") if "proved" in ev.payload]
    by_statement = [o for o in outcomes.values() if o in ("matched", "reversed")]
    assert len({ev.payload["proved"]["update_id"] for ev in proved}) == len(by_statement) == 9
    writers = verify_writers(log.writers(), ring.writer_key)
    assert writers.first_bad is None and writers.signed == writers.rows, writers
    assert log.verify().ok and len(list(log.query(event_type="log.checkpoint"))) == 10

    # What the year left carries into the next one's dry run: arrears and a credit.
    from activities.records import cycle_amounts

    nxt = cycle_amounts(log, CycleInput(year=year + 1, amounts_csv=amounts))
    assert nxt.arrears == {"ITA": Decimal("4000.00"), "NZL": Decimal("1250.00")}
    assert nxt.credits == {"DEU": Decimal("100.00")}
