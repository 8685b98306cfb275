"""A chase whose history no longer replays, as the probe's poisoned chases did: `ccm chase
status` says so in one line and `ccm doctor` lists it, with what to do. The history is
made by another workflow registered under the chase's name (what a change of workflow
code without versioning does to a running chase), then the real `ccm worker` meets it.
A chase, an obligation and an action item are then carried on from the event log."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio import workflow

from domain.schedule import geneva_today
from tests.conftest import open_day, wait_for
from tests.e2e.conftest import event_log

NEXT = geneva_today().year + 1


@workflow.defn(name="ContributionChase", sandboxed=False)
class NotTheChase:
    """Another shape of history under the chase's name: a timer the chase never sets."""

    @workflow.run
    async def run(self, input: dict) -> None:
        await workflow.sleep(timedelta(days=30))


@pytest.fixture(scope="module")
def broken(ccm_env, client):
    """chase-NEXT-ITA, its first workflow task run by `NotTheChase`."""
    from temporalio.worker import Worker

    from domain.chase import ChaseInput

    async def make():
        async with Worker(client, task_queue=ccm_env["CCM_TASK_QUEUE"], workflows=[NotTheChase]):
            handle = await client.start_workflow(
                "ContributionChase",
                ChaseInput(state="ITA", year=NEXT, amount_due=Decimal("1000")),
                id=f"chase-{NEXT}-ITA",
                task_queue=ccm_env["CCM_TASK_QUEUE"],
            )
            for _ in range(100):  # its first task done: the timer is in its history
                events = [e async for e in handle.fetch_history_events()]
                if any(e.HasField("timer_started_event_attributes") for e in events):
                    break
                await asyncio.sleep(0.1)
        return handle

    return asyncio.run(make())


def test_a_chase_whose_history_does_not_replay_is_said_in_one_line_and_listed_by_doctor(broken, worker, ccm, client):
    status = ccm("chase", "status", "--state", "ITA", "--year", NEXT)
    assert status.exit_code == 1, status.output
    lines = status.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: chase-{NEXT}-ITA cannot be read: its workflow task fails")
    assert "ccm doctor" in lines[0]
    asyncio.run(client.get_workflow_handle(broken.id).signal("wake"))  # a new task: it fails on the worker
    found = wait_for(
        lambda: (
            (r := ccm("doctor", "--output", "json")).exit_code == 1
            and [f for f in json.loads(r.stdout) if f["where"] == broken.id]
        ),
        seconds=60,
    )
    assert found[0]["what"] == "workflow task failing"
    assert "ContributionChase" in found[0]["details"] and "`ccm chase rebuild`" in found[0]["details"]


def test_a_chase_rebuilt_from_the_log_carries_on_where_the_log_says_and_sends_nothing_again(worker, ccm, ccm_env):
    from pathlib import Path

    germany = ["--state", "DEU", "--year", NEXT]
    today = geneva_today().isoformat()
    assert ccm("chase", "start", *germany, "--amount", "5000").exit_code == 0
    for args in (
        ["receive", "--amount", "1200", "--date", today, "--reference", "DE-1"],
        ["correct-due", "--amount", "5400", "--reason", "scale corrected"],
        ["report-payment", "--date", today, "--as", "DEU"],
    ):
        done = ccm("chase", args[0], *germany, *args[1:])
        assert done.exit_code == 0, done.output
    before = json.loads(ccm("chase", "status", *germany, "-o", "json").stdout)[0]
    outbox = Path(ccm_env["CCM_HOME"]) / "outbox" / "new"
    letters = sorted(p.name for p in outbox.iterdir())

    rebuilt = ccm("chase", "rebuild", *germany, "--reason", "its history no longer replays")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.startswith(f"rebuilt chase-{NEXT}-DEU as generation 2 from ")
    after = json.loads(ccm("chase", "status", *germany, "-o", "json").stdout)[0]
    assert {k: after[k] for k in ("stage", "amount_due", "received", "outstanding", "letters", "next_action")} == {
        k: before[k] for k in ("stage", "amount_due", "received", "outstanding", "letters", "next_action")
    }
    assert sorted(p.name for p in outbox.iterdir()) == letters  # nothing sent again

    more = ccm("chase", "receive", *germany, "--amount", "4200", "--date", today, "--reference", "DE-2")
    assert more.exit_code == 0 and "received 5400.00" in more.stdout, more.output
    log = event_log(ccm_env)
    keys = [e.idempotency_key for e in log.query(workflow_id=f"chase-{NEXT}-DEU")]
    assert f"chase-{NEXT}-DEU/g2/rebuilt" in keys and f"chase-{NEXT}-DEU/g2/receipt-2" in keys
    assert log.verify().ok
    # The rebuilt run is the chase: the next rebuild is generation 3.
    third = ccm("chase", "rebuild", *germany, "--reason", "again")
    assert third.exit_code == 0 and "as generation 3" in third.stdout, third.output
    assert json.loads(ccm("chase", "status", *germany, "-o", "json").stdout)[0]["received"] == "5400.00"


def test_an_obligation_and_an_action_item_rebuilt_from_the_log_carry_on_where_the_log_says(worker, ccm, ccm_env):
    """Each run is terminated and its next generation folded from its rows: the same stage
    and due date, nothing sent again, commands go on, rows keyed in the new generation."""
    due = (geneva_today() + timedelta(days=200)).isoformat()
    nor = [
        "--state",
        "NOR",
        "--kind",
        "art7-annual",
        "--year",
        str(NEXT - 3),
    ]  # due 30 April last year: past on any day
    assert (
        ccm("obligations", "start", "--kind", "art7-annual", "--year", str(NEXT - 3), "--state", "NOR").exit_code == 0
    )
    # Started after its due date: no report recorded, until the ISU confirms it overdue.
    confirmed = ccm("obligations", "confirm-overdue", *nor, "--reason", "the reports of that year are recorded")
    assert confirmed.exit_code == 0, confirmed.output
    moved = ccm("obligations", "override-due", *nor, "--due", due, "--reason", "practice counts from deposit")
    assert moved.exit_code == 0, moved.output
    wid = f"obligation-NOR-art7-annual-{NEXT - 3}"
    rebuilt = ccm("obligations", "rebuild", *nor, "--reason", "its history no longer replays")
    assert rebuilt.exit_code == 0, rebuilt.output
    # started, confirmed overdue, the coordinators told, the due date moved
    assert rebuilt.stdout.strip() == f"rebuilt {wid} as generation 2 from 4 rows: open, due {due}"
    fulfilled = ccm("obligations", "fulfil", *nor, "--reference", "NOR report")
    assert fulfilled.exit_code == 0, fulfilled.output

    added = ccm("task", "add", "--owner", "NOR", "--text", "Feedback on the workshop", "--due", due)
    assert added.exit_code == 0, added.output
    item = added.stdout.split()[-1]
    assert ccm("task", "reassign", item, "--owner", "ITA").exit_code == 0
    again = ccm("task", "rebuild", item, "--reason", "its history no longer replays")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"rebuilt {item} as generation 2 from 2 rows: open, due {due}"
    listed = [r for r in json.loads(ccm("task", "list", "-o", "json").stdout) if r["id"] == item]
    assert listed and listed[0]["owner"] == "ITA"
    assert ccm("task", "done", item, "--note", "sent", "--as", "ITA").exit_code == 0

    log = event_log(ccm_env)
    keys = {r.idempotency_key for r in log.query(workflow_id=wid)} | {
        r.idempotency_key for r in log.query(workflow_id=item)
    }
    assert {f"{wid}/g2/rebuilt", f"{wid}/g2/fulfilled", f"{item}/g2/rebuilt", f"{item}/g2/completed-1"} <= keys
    told = [r for r in log.query(workflow_id=wid) if r.event_type == "obligation.coordinators_told"]
    assert len(told) == 1  # not told again
    assert log.verify().ok


def test_a_meeting_rebuilt_from_the_log_keeps_its_attendance_actions_and_minutes(worker, ccm, ccm_env, tmp_path):
    """What the meeting circulated is in its rows: the rebuilt run has the minutes to
    approve, the attendance and the action item, and sends nothing again."""
    from pathlib import Path

    held = open_day(geneva_today() - timedelta(days=3), step=-1)
    meeting = ["--meeting", held]
    assert ccm("meeting", "schedule", "--date", held, "--venue", "Permanent Mission of Germany").exit_code == 0
    wait_for(lambda: json.loads(ccm("meeting", "status", *meeting, "-o", "json").stdout)["stage"] == "held")
    assert ccm("meeting", "attendance", *meeting, "--present", "DEU,NZL,ICRC").exit_code == 0
    assert ccm("meeting", "set-next", *meeting, "--date", open_day(geneva_today() + timedelta(days=30))).exit_code == 0
    assert ccm("task", "add", *meeting, "--owner", "NLD", "--text", "A target list by region").exit_code == 0
    minutes = tmp_path / "minutes.md"
    minutes.write_text("Minutes of the Coordination Committee meeting\n\n1. Opening remarks by the President\n")
    assert ccm("meeting", "minutes", "circulate", *meeting, "--file", minutes).exit_code == 0
    before = json.loads(ccm("meeting", "status", *meeting, "-o", "json").stdout)
    outbox = Path(ccm_env["CCM_HOME"]) / "outbox" / "new"
    sent = sorted(p.name for p in outbox.iterdir())

    rebuilt = ccm("meeting", "rebuild", *meeting, "--reason", "its history no longer replays")
    assert rebuilt.exit_code == 0, rebuilt.output
    wid = f"meeting-cc-{held.isoformat()}"
    assert rebuilt.stdout.startswith(f"rebuilt {wid} as generation 2 from ")
    assert rebuilt.stdout.strip().endswith(f"rows: minutes circulated, on {held.isoformat()}")
    after = json.loads(ccm("meeting", "status", *meeting, "-o", "json").stdout)
    assert after == before
    assert after["minutes"].startswith("Minutes of the Coordination Committee") and after["attendance"]
    assert sorted(p.name for p in outbox.iterdir()) == sent  # nothing sent again
    approved = ccm(
        "meeting",
        "minutes",
        "approve",
        *meeting,
        "--at-meeting",
        geneva_today(),
        "--as-a-correct-record",
        "--as",
        "president",
    )
    assert approved.exit_code == 0 and "minutes approved" in approved.output
    keys = {r.idempotency_key for r in event_log(ccm_env).query(workflow_id=wid)}
    assert {f"{wid}/g2/rebuilt", f"{wid}/g2/minutes-approved"} <= keys


def test_a_concept_note_started_again_is_refused_and_rebuilt_from_the_log(worker, ccm, ccm_env, client, tmp_path):
    """A plain start over a terminated note's rows would take them for its own: refused,
    naming `ccm plan rebuild`, which carries the note on with its versions and plan."""
    theme = ["--theme", "universalization", "--msp", "12MSP"]
    meeting = open_day(geneva_today() + timedelta(days=10))
    start = ["plan", "start", *theme, "--meeting", meeting, "--plan-due", meeting + timedelta(days=40)]
    assert ccm(*start).exit_code == 0
    note = tmp_path / "note.md"
    note.write_text("# Universalization\nEight new States Parties by the 7MSP.\n")
    submitted = ccm(
        "plan", "submit", *theme, "--file", note, "--summary", "Target lists", "--as", "PER"
    )  # the 12MSP term's coordinators (Malawi and Peru)
    assert submitted.exit_code == 0, submitted.output
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "steps:\n  - action: Write to the target States\n    responsible: FRA\n"
        f"    due: {meeting + timedelta(days=90)}\n"
    )
    assert ccm("plan", "submit-plan", *theme, "--file", plan, "--as", "PER").exit_code == 0
    wid = "concept-note-12MSP-universalization"
    rows = len(list(event_log(ccm_env).query(workflow_id=wid)))
    asyncio.run(client.get_workflow_handle(wid).terminate(reason="a test"))

    again = ccm(*start)
    assert again.exit_code == 1
    assert f"{wid} has rows in the event log from an earlier run" in again.stderr, again.output
    assert "`ccm plan rebuild` starts the next generation from them" in again.stderr
    assert len(list(event_log(ccm_env).query(workflow_id=wid))) == rows

    rebuilt = ccm("plan", "rebuild", *theme, "--reason", "terminated by mistake")
    assert rebuilt.exit_code == 0, rebuilt.output
    due = (meeting + timedelta(days=40)).isoformat()
    assert rebuilt.stdout.strip() == f"rebuilt {wid} as generation 2 from {rows} rows: circulated, plan due {due}"
    status = json.loads(ccm("plan", "status", *theme, "-o", "json").stdout)
    assert status["versions"][0]["text"].startswith("# Universalization")
    assert status["plan"]["steps"][0]["action"] == "Write to the target States"
    approved = ccm("plan", "approve-final", *theme, "--as", "president")
    assert approved.exit_code == 0 and "plan submitted" in approved.output, approved.output
    assert ccm("plan", "approve", *theme, "--as", "president").exit_code == 0
    finished = ccm("plan", "rebuild", *theme, "--reason", "by mistake")
    assert finished.exit_code == 1
    assert finished.stderr.strip() == f"Error: {wid} has finished: there is nothing to carry on"
