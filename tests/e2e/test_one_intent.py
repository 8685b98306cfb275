"""One intent, one change: a person's command is a new change even when its content
repeats an earlier one (A → B → A is three changes, three log rows, the workflow holding
A), while a retry of one invocation (`--request-id`) is applied once. Every setter of
every process, through the `ccm` command, on a real dev server and a `ccm worker`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.action_items import ActionItemStatus
from domain.chase import ChaseStatus
from domain.concept_notes import ConceptNoteStatus
from domain.obligations import ObligationStatus
from domain.schedule import geneva_today
from tests.conftest import open_day, wait_for  # noqa: E402
from tests.e2e.conftest import event_log

TODAY = geneva_today()
NEXT = TODAY.year + 1
CHASE = ["--state", "Malta", "--year", NEXT]


def rows(ccm_env, workflow_id: str, event_type: str) -> list:
    log = event_log(ccm_env)
    return [e for e in log.query(workflow_id=workflow_id, event_type=event_type)]


def held(client, workflow_id: str, status_type):
    """What the workflow holds now: its status query."""
    import asyncio

    return asyncio.run(client.get_workflow_handle(workflow_id).query("status", result_type=status_type))


def a_b_a(ccm, *command, values, option):
    """Send `command option A`, then B, then A again: each must exit 0."""
    for value in values:
        result = ccm(*command, option, value)
        assert result.exit_code == 0, (value, result.output)
    return result


@pytest.fixture(scope="module")
def chase(worker, ccm_env):
    from click.testing import CliRunner

    from cli.main import cli

    started = CliRunner().invoke(cli, ["chase", "start", *map(str, CHASE), "--amount", "1000"], env=ccm_env)
    assert started.exit_code == 0, started.output
    return f"chase-{NEXT}-MLT"


def chase_status(ccm) -> dict:
    return json.loads(ccm("chase", "status", *CHASE, "-o", "json").stdout)[0]


def test_the_msp_date_set_a_b_a_is_three_changes(ccm, chase, ccm_env, client):
    a, b = f"{NEXT}-10-01", f"{NEXT}-10-15"
    a_b_a(ccm, "chase", "set-msp-date", *CHASE, values=[a, b, a], option="--date")
    assert held(client, chase, ChaseStatus).msp_date.isoformat() == a
    assert [e.payload["to"] for e in rows(ccm_env, chase, "chase.msp_date_set")] == [a, b, a]


def test_the_amount_due_corrected_a_b_a_is_three_changes(ccm, chase, ccm_env):
    a_b_a(
        ccm,
        "chase",
        "correct-due",
        *CHASE,
        "--reason",
        "scale revised",
        values=["1200", "1100", "1200"],
        option="--amount",
    )
    assert chase_status(ccm)["amount_due"] == "1200.00"
    assert [e.payload["to"] for e in rows(ccm_env, chase, "chase.due_corrected")] == ["1200.00", "1100.00", "1200.00"]


def test_a_receipt_recorded_again_after_its_reversal_is_a_new_receipt(ccm, chase, ccm_env):
    receive = [
        "chase",
        "receive",
        *CHASE,
        "--amount",
        "1200",
        "--date",
        TODAY,
        "--reference",
        "MT-FULL",
        "--budget-line",
        "7a",
        "--as",
        "isu",
    ]
    assert ccm(*receive).stdout.startswith(f"{chase}: paid, received 1200.00")
    reversed_ = ccm("chase", "reverse-receipt", *CHASE, "--reference", "MT-FULL", "--reason", "booked twice")
    assert reversed_.exit_code == 0 and "received 0.00" in reversed_.stdout, reversed_.output
    again = ccm(*receive)
    assert again.exit_code == 0 and again.stdout.startswith(f"{chase}: paid, received 1200.00"), again.output
    assert chase_status(ccm)["received"] == "1200.00"
    assert len(rows(ccm_env, chase, "chase.receipt_recorded")) == 2
    assert len(rows(ccm_env, chase, "chase.receipt_reversed")) == 1


def test_one_request_id_sent_twice_is_applied_once_and_answers_alike(ccm, worker, ccm_env, client):
    monaco = ["--state", "Monaco", "--year", NEXT]
    assert ccm("chase", "start", *monaco, "--amount", "500").exit_code == 0
    retried = [
        ccm("--request-id", "script-42", "chase", "set-msp-date", *monaco, "--date", f"{NEXT}-11-02") for _ in range(2)
    ]
    assert [r.exit_code for r in retried] == [0, 0], [r.output for r in retried]
    assert retried[0].stdout == retried[1].stdout
    assert len(rows(ccm_env, f"chase-{NEXT}-MCO", "chase.msp_date_set")) == 1  # one row for the two sends
    assert held(client, f"chase-{NEXT}-MCO", ChaseStatus).msp_date.isoformat() == f"{NEXT}-11-02"
    assert ccm("chase", "set-msp-date", *monaco, "--date", f"{NEXT}-11-02").exit_code == 0  # a new intent
    assert len(rows(ccm_env, f"chase-{NEXT}-MCO", "chase.msp_date_set")) == 2
    empty = ccm("--request-id", "", "chase", "status", *monaco)
    assert empty.exit_code == 2 and "a request id is 1 to 200 printable characters" in empty.stderr


def test_a_request_id_names_one_command_and_its_first_answer(ccm, worker, ccm_env, client):
    """The probe: `correct-due` to 4000, 4100, 4000 under one `--request-id` printed the
    first answer the third time and left 4100 due; `task add` retried with one id made two
    tasks; a receipt re-booked after its reversal under the first id said "received" and
    wrote nothing. Now the id names its first command: other words are refused in one line,
    the same words answer what the first run answered and run nothing again."""
    andorra = ["--state", "Andorra", "--year", NEXT]
    assert ccm("chase", "start", *andorra, "--amount", "3000").exit_code == 0
    first = ccm("--request-id", "fix-due-7", "chase", "correct-due", *andorra, "--amount", "4000", "--reason", "scale")
    assert first.exit_code == 0, first.output
    other = ccm("--request-id", "fix-due-7", "chase", "correct-due", *andorra, "--amount", "4100", "--reason", "scale")
    assert other.exit_code == 1
    assert other.stderr.strip().splitlines() == [
        "Error: request id 'fix-due-7' already names another command (chase correct-due --state Andorra --year "
        f"{NEXT} --amount 4000 --reason scale): a new intent needs a new request id"
    ]
    again = ccm("--request-id", "fix-due-7", "chase", "correct-due", *andorra, "--amount", "4000", "--reason", "scale")
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert held(client, f"chase-{NEXT}-AND", ChaseStatus).amount_due == 4000
    assert len(rows(ccm_env, f"chase-{NEXT}-AND", "chase.due_corrected")) == 1
    # Another command under the same id: refused too.
    status = ccm("--request-id", "fix-due-7", "chase", "status", *andorra)
    assert status.exit_code == 1 and "already names another command" in status.stderr

    added = [
        ccm(
            "--request-id",
            "task-script-3",
            "task",
            "add",
            "--owner",
            "NOR",
            "--text",
            "Feedback on the Lebanon workshop",
            "--due",
            (TODAY + timedelta(days=20)).isoformat(),
        )
        for _ in range(2)
    ]
    assert [a.exit_code for a in added] == [0, 0] and added[0].stdout == added[1].stdout, added
    listed = json.loads(ccm("task", "list", "-o", "json").stdout)
    assert [t["text"] for t in listed].count("Feedback on the Lebanon workshop") == 1


def test_the_next_meeting_and_a_reschedule_a_b_a_are_three_changes_each(ccm, worker, ccm_env):
    day = open_day(TODAY + timedelta(days=30))
    assert ccm("meeting", "schedule", "--date", day, "--venue", "Permanent Mission of Germany").exit_code == 0
    meeting = f"meeting-cc-{day.isoformat()}"
    a, b = open_day(day + timedelta(days=28)), open_day(day + timedelta(days=35))
    a_b_a(ccm, "meeting", "set-next", "--meeting", day, values=[a, b, a], option="--date")
    assert json.loads(ccm("meeting", "status", "--meeting", day, "-o", "json").stdout)["next_meeting"] == a.isoformat()
    assert len(rows(ccm_env, meeting, "meeting.next_meeting_set")) == 3

    moved = open_day(day + timedelta(days=3))
    # Moved and found by its new date, then moved back by that date: the id stays.
    assert ccm("meeting", "reschedule", "--meeting", day, "--date", moved).stdout.startswith(f"{meeting}: ")
    by_new = wait_for(lambda: (r := ccm("meeting", "status", "--meeting", moved, "-o", "json")).exit_code == 0 and r)
    assert json.loads(by_new.stdout)["workflow_id"] == meeting
    assert ccm("meeting", "reschedule", "--meeting", moved, "--date", day).exit_code == 0
    wait_for(lambda: ccm("meeting", "status", "--meeting", day, "-o", "json").exit_code == 0)
    assert ccm("meeting", "reschedule", "--meeting", day, "--date", moved).exit_code == 0
    status = json.loads(
        wait_for(lambda: (r := ccm("meeting", "status", "--meeting", moved, "-o", "json")).exit_code == 0 and r).stdout
    )
    assert status["schedule"]["date"] == moved.isoformat() and status["sequence"] == 3
    assert [e.payload["date"] for e in rows(ccm_env, meeting, "meeting.rescheduled")] == [
        moved.isoformat(),
        day.isoformat(),
        moved.isoformat(),
    ]
    # Only what is given changes: the venue alone keeps the day and the times.
    venue = ccm("meeting", "reschedule", "--meeting", moved, "--venue", "Palais des Nations, Room XII")
    assert venue.exit_code == 0, venue.output
    assert venue.stdout.strip() == f"{meeting}: scheduled, {moved} 10:00–11:30, Palais des Nations, Room XII"
    nothing = ccm("meeting", "reschedule", "--meeting", moved)
    assert nothing.exit_code == 2 and "say what changes" in nothing.stderr


def test_a_task_extended_and_reassigned_a_b_a_is_three_changes_each(ccm, worker, ccm_env, client):
    added = ccm(
        "task",
        "add",
        "--owner",
        "Norway",
        "--text",
        "Feedback on the Lebanon workshop",
        "--due",
        TODAY + timedelta(days=10),
    )
    assert added.exit_code == 0, added.output
    item = added.stdout.split()[-1]
    a, b = TODAY + timedelta(days=20), TODAY + timedelta(days=27)
    a_b_a(ccm, "task", "extend", item, "--reason", "capital's answer", values=[a, b, a], option="--due")
    a_b_a(ccm, "task", "reassign", item, values=["Zambia", "Norway", "Zambia"], option="--owner")
    now = held(client, item, ActionItemStatus)
    assert (now.due, now.owner) == (a, "ZMB")
    assert [e.payload["new_due"] for e in rows(ccm_env, item, "action.extended")] == [
        a.isoformat(),
        b.isoformat(),
        a.isoformat(),
    ]
    assert [e.payload["owner"] for e in rows(ccm_env, item, "action.reassigned")] == ["ZMB", "NOR", "ZMB"]


def test_a_plans_due_date_set_a_b_a_is_three_changes(ccm, worker, ccm_env, client):
    theme = ["--theme", "universalization", "--msp", "12MSP"]
    assert (
        ccm(
            "plan", "start", *theme, "--meeting", TODAY + timedelta(days=7), "--plan-due", TODAY + timedelta(days=40)
        ).exit_code
        == 0
    )
    a, b = TODAY + timedelta(days=50), TODAY + timedelta(days=60)
    a_b_a(ccm, "plan", "set-due", *theme, "--as", "isu", values=[a, b, a], option="--date")
    assert held(client, "concept-note-12MSP-universalization", ConceptNoteStatus).plan_due == a
    dues = [e.payload["due"] for e in rows(ccm_env, "concept-note-12MSP-universalization", "concept.plan_due_set")]
    assert dues == [a.isoformat(), b.isoformat(), a.isoformat()]


def test_an_obligations_due_date_overridden_a_b_a_is_three_changes(ccm, worker, ccm_env, client):
    target = ["--state", "Norway", "--kind", "art7-annual", "--year", TODAY.year]
    started = ccm("obligations", "start", *target)
    assert started.exit_code == 0, started.output
    a, b = TODAY + timedelta(days=90), TODAY + timedelta(days=120)
    a_b_a(ccm, "obligations", "override-due", *target, "--reason", "practice", values=[a, b, a], option="--due")
    obligation = f"obligation-NOR-art7-annual-{TODAY.year}"
    assert held(client, obligation, ObligationStatus).due == a
    overridden = rows(ccm_env, obligation, "obligation.due_overridden")
    assert [e.payload["to"] for e in overridden] == [a.isoformat(), b.isoformat(), a.isoformat()]
