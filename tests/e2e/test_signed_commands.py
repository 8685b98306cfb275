"""Signed commands on a real worker that requires them: keys made and registered with
the CLI, every way a command can fail to prove who sent it refused with nothing
written, and the signatures re-verified offline from an export on a fresh CCM_HOME."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from domain.events import Event, event_hash
from domain.schedule import geneva_today
from tests.conftest import wait_for
from tests.e2e.conftest import event_log

NEXT = geneva_today().year + 1
TODAY = geneva_today()
PRESIDENT = "Michael Biontino@president"
TEMPORAL = str(Path(sys.executable).parent / "temporal")


def run(env: dict, *args, keys: Path | None = None, extra: dict | None = None):
    env = env | ({"CCM_KEYS_DIR": str(keys)} if keys else {}) | (extra or {})
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def new_key(env, folder: Path, holder: str) -> tuple[str, Path, str]:
    """(fingerprint, .json file, base64 public key) of a key made by `ccm keys new`."""
    out = run(env, "keys", "new", "--as", holder, keys=folder)
    assert out.exit_code == 0, out.output
    first = out.stdout.splitlines()[0].split()
    fp, pem = first[0], first[-1]
    public = out.stdout.splitlines()[1].rsplit(" ", 1)[1]
    return fp, Path(pem).with_suffix(".json"), public


@pytest.fixture(scope="module")
def ccm_env(ccm_env, tmp_path_factory):
    """The worker trusts one administrator, requires signatures, and signs checkpoints
    with the ISU's key (registered by the administrator once the worker runs)."""
    admin_dir = tmp_path_factory.mktemp("admin-keys")
    _, meta, public = new_key(ccm_env, admin_dir, "Administrator@isu")
    isu_dir = tmp_path_factory.mktemp("isu-key")
    _, isu, _ = new_key(ccm_env, isu_dir, "Sheila Mweemba@isu")
    return ccm_env | {
        "CCM_ADMIN_KEYS": public,
        "CCM_REQUIRE_SIGNATURES": "true",
        "CCM_TEST_ADMIN_PEM": str(meta.with_suffix(".pem")),
        "CCM_TEST_ISU_KEY": str(isu),
        "CCM_CHECKPOINT_KEY": str(isu.with_suffix(".pem")),
    }


@pytest.fixture(scope="module")
def worker(worker, ccm_env):
    """The module's worker, once the administrator has registered the ISU's key with it
    (the first key of an installation that requires signatures: the administrator's
    signature on the statement proves it)."""
    out = run(
        ccm_env,
        "keys",
        "register",
        ccm_env["CCM_TEST_ISU_KEY"],
        "--office",
        "isu",
        "--from",
        TODAY - timedelta(days=1),
        "--until",
        TODAY + timedelta(days=365),
        "--admin-key",
        ccm_env["CCM_TEST_ADMIN_PEM"],
    )
    assert out.exit_code == 0, out.output
    return worker


def events(env) -> list:
    return list(event_log(env).query())


def registered(env, folder, holder, office, start, end) -> tuple[str, Path]:
    fp, meta, _ = new_key(env, folder, holder)
    out = run(
        env,
        "keys",
        "register",
        meta,
        "--office",
        office,
        "--from",
        start,
        "--until",
        end,
        "--admin-key",
        env["CCM_TEST_ADMIN_PEM"],
    )
    assert out.exit_code == 0, out.output
    return fp, meta


def test_signed_commands_are_applied_and_every_unproven_one_is_refused_with_nothing_written(ccm_env, worker, tmp_path):
    env = ccm_env
    president = tmp_path / "president"
    fp, _ = registered(env, president, PRESIDENT, "president", TODAY - timedelta(days=30), TODAY + timedelta(days=30))
    # A start is a command too: unsigned, or by an office that may not start a chase, it is
    # refused before anything is written; signed by the ISU's registered key, it starts.
    isu = Path(env["CCM_TEST_ISU_KEY"]).parent
    before = len(events(env))
    unsigned = run(env, "chase", "start", "--state", "COK", "--year", NEXT, "--amount", "1000")
    assert unsigned.exit_code == 1 and unsigned.stderr.startswith(
        "Error: refused: this installation requires signed commands"
    ), unsigned.output
    not_isu = run(
        env, "chase", "start", "--state", "COM", "--year", NEXT, "--amount", "1000", "--as", PRESIDENT, keys=president
    )
    assert not_isu.exit_code == 1 and "only the ISU may start, not president" in not_isu.stderr, not_isu.output
    amounts = tmp_path / "amounts.csv"
    amounts.write_text("state,amount\nCOM,100\n")
    cycle = run(env, "chase", "start-all", "--year", NEXT, "--amounts", amounts)
    assert cycle.exit_code == 1 and "requires signed commands" in cycle.stderr, cycle.output
    assert len(events(env)) == before
    # States no other test module chases next year: workflow ids are the namespace's. Cook
    # Islands' chase, refused unsigned, starts once the same command is signed.
    for state in ("COK", "FJI", "GRD", "NRU", "PLW", "WSM", "KNA"):
        started = run(env, "chase", "start", "--state", state, "--year", NEXT, "--amount", "1000", keys=isu)
        assert started.exit_code == 0, started.output
    wait_for(lambda: len([e for e in events(env) if e.event_type == "chase.reminder_sent"]) == 7)

    # Signed by the President's registered key: applied, and its event says so.
    ok = run(
        env,
        "chase",
        "waive",
        "--state",
        "FJI",
        "--year",
        NEXT,
        "--reason",
        "hardship",
        "--as",
        PRESIDENT,
        keys=president,
    )
    assert ok.exit_code == 0, ok.output
    waived = next(e for e in events(env) if e.event_type == "chase.waived")
    assert waived.payload["signed"]["fingerprint"] == fp and waived.payload["signed"]["actor"] == "Michael Biontino"

    def refused(state, message, **kw):
        before = len(events(env))
        r = run(env, "chase", "waive", "--state", state, "--year", NEXT, "--reason", "r", "--as", PRESIDENT, **kw)
        assert r.exit_code == 1 and re.search(message, r.stderr), r.output
        assert len(r.stderr.strip().splitlines()) == 1
        assert len(events(env)) == before  # nothing written

    # Unsigned where signatures are required.
    refused("GRD", "requires signed commands", keys=tmp_path / "no-keys")
    # A key registered for another office.
    isu = tmp_path / "isu"
    registered(env, isu, "Sheila Mweemba@isu", "isu", TODAY, TODAY + timedelta(days=30))
    refused("GRD", "speaks for isu, not for president", extra={"CCM_KEY": str(next(isu.glob("*.pem")))})
    # An expired Presidency key (the 7MSP's, which ended last year).
    old = tmp_path / "old"
    registered(env, old, "Michael Biontino@president", "president", date(2016, 1, 1), date(2016, 12, 31))
    refused("GRD", "from 2016-01-01 to 2016-12-31, not on", keys=old)
    # A key nobody registered.
    rogue = tmp_path / "rogue"
    new_key(env, rogue, "Someone@president")
    refused("GRD", "is not registered by an administrator", keys=rogue)
    # A revoked key.
    revoked_dir = tmp_path / "revoked"
    revoked_fp, revoked_meta = registered(env, revoked_dir, "Michael Biontino@president", "president", TODAY, TODAY)
    assert (
        run(
            env, "keys", "revoke", revoked_fp, "--reason", "laptop lost", "--admin-key", env["CCM_TEST_ADMIN_PEM"]
        ).exit_code
        == 0
    )
    refused("GRD", "was revoked on", keys=revoked_dir)
    rows = len(events(env))
    again = run(
        env,
        "keys",
        "register",
        revoked_meta,
        "--office",
        "president",
        "--from",
        TODAY,
        "--until",
        TODAY,
        "--admin-key",
        env["CCM_TEST_ADMIN_PEM"],
    )  # a revoked key stays revoked: not "registered"
    assert again.exit_code == 1 and "a revoked key stays revoked" in again.stderr, again.output
    assert len(events(env)) == rows
    listed = json.loads(run(env, "keys", "list", "-o", "json").stdout)
    assert {r["fingerprint"]: r["status"] for r in listed}[revoked_fp].startswith("revoked")
    assert {r["fingerprint"]: r["status"] for r in listed}[fp] == "current"


def test_a_forged_or_replayed_signature_is_refused(ccm_env, worker, tmp_path):
    import asyncio

    from temporalio.client import WorkflowUpdateFailedError

    from domain.chase import Close
    from domain.process import CommandResult
    from runtime.temporal import connect
    from services.commands import update_id
    from services.keystore import sign_update
    from services.settings import Settings

    env = ccm_env
    president = tmp_path / "president"
    registered(env, president, PRESIDENT, "president", TODAY, TODAY + timedelta(days=1))
    wid = f"chase-{NEXT}-KNA"
    cmd = Close(reason="hardship", actor="Michael Biontino", office="president")
    uid = update_id(wid, "waive", cmd)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CCM_KEYS_DIR", str(president))
        signed = sign_update(wid, "waive", cmd, uid)
    forged = signed.model_copy(update={"reason": "forged", "signature": signed.signature})
    stale = signed.model_copy(
        update={
            "signature": signed.signature.model_copy(
                update={"signed_at": datetime.now(timezone.utc) - timedelta(hours=1)}
            )
        }
    )

    async def send(arg, uid):
        client = await connect(
            Settings(
                temporal_address=env["CCM_TEMPORAL_ADDRESS"],
                namespace=env["CCM_NAMESPACE"],
                task_queue=env["CCM_TASK_QUEUE"],
            )
        )
        handle = client.get_workflow_handle(wid)
        try:
            return await handle.execute_update("waive", arg, id=uid, result_type=CommandResult)
        except WorkflowUpdateFailedError as e:
            return e.cause.message

    before = len(events(env))
    assert "does not verify" in asyncio.run(send(forged, uid))  # its id, other arguments
    assert "covers another update id" in asyncio.run(send(signed, "another-id"))
    assert "sign it again" in asyncio.run(send(stale, uid))
    assert len(events(env)) == before
    first = asyncio.run(send(signed, uid))
    again = asyncio.run(send(signed, uid))  # the same signed command sent again: applied once
    assert isinstance(first, CommandResult) and again == first
    assert len([e for e in events(env) if e.event_type == "chase.waived" and e.workflow_id == wid]) == 1


def test_an_export_with_signatures_verifies_offline_on_a_fresh_home(ccm_env, worker, tmp_path):
    export = tmp_path / "log.jsonl"
    assert run(ccm_env, "audit", "export", "--out", export).exit_code == 0
    fresh = {"CCM_HOME": str(tmp_path / "auditor"), "CCM_ADMIN_KEYS": ccm_env["CCM_ADMIN_KEYS"]}
    r = run(fresh, "audit", "verify", "--file", export, "--signatures")
    assert r.exit_code == 0, r.output
    # Seven signed starts and two waivers: a start's events carry its signature too.
    assert re.search(r"9 signed commands verified", r.stdout)
    # A signed event's arguments changed by whoever holds the database, and the chain
    # re-hashed from there so that it still verifies: the signature does not.
    rows = [Event.model_validate_json(line) for line in export.read_text().splitlines()]
    i = next(i for i, ev in enumerate(rows) if "signed" in ev.payload)
    signed = rows[i].payload["signed"]
    rows[i] = rows[i].model_copy(
        update={
            "payload": rows[i].payload
            | {"signed": signed | {"arguments": signed["arguments"] | {"reason": "forgiven"}}}
        }
    )
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(ev.model_dump_json() + "\n" for ev in rehash(rows)))
    chain = run(fresh, "audit", "verify", "--file", tampered)
    assert chain.exit_code == 0  # the chain alone cannot tell
    r = run(fresh, "audit", "verify", "--file", tampered, "--signatures")
    assert r.exit_code == 1 and "does not verify" in r.stderr


def rehash(rows: list) -> list:
    """The rows with a fresh chain, as someone rewriting the database would make it."""
    out, prev = [], rows[0].prev_hash
    for ev in rows:
        h = event_hash(ev, ev.seq, ev.recorded_at, prev)
        out.append(ev.model_copy(update={"prev_hash": prev, "hash": h}))
        prev = h
    return out


def test_a_published_checkpoint_catches_a_whole_chain_rewritten_after_it(ccm_env, worker, tmp_path):
    env = ccm_env
    cp_file = tmp_path / "checkpoint.json"
    r = run(env, "audit", "checkpoint", "--out", cp_file, keys=Path(env["CCM_TEST_ISU_KEY"]).parent)
    assert r.exit_code == 0, r.output
    cp = json.loads(cp_file.read_text())
    assert r.stdout.startswith(f"checkpoint: row {cp['seq']}, head {cp['head']}")
    ok = run(env, "audit", "verify", "--checkpoint", cp_file)
    assert ok.exit_code == 0 and f"the log up to row {cp['seq']} is the one checkpointed" in ok.stdout
    assert "signed by Sheila Mweemba for the ISU" in ok.stdout
    # The page prints it (drafted: no decision to publish is recorded here).
    assert run(env, "report", "publish", "--year", NEXT).exit_code == 0
    page = (Path(env["CCM_HOME"]) / "draft" / f"contributions-{NEXT}.html").read_text()
    assert f"Event log checkpoint: row {cp['seq']}" in page and cp["head"] in page

    # Whoever holds the database rewrites a row before the checkpoint and every hash after
    # it: the chain verifies, the checkpoint does not.
    export = tmp_path / "log.jsonl"
    assert run(env, "audit", "export", "--out", export).exit_code == 0
    rows = [Event.model_validate_json(line) for line in export.read_text().splitlines()]
    i = next(i for i, ev in enumerate(rows) if ev.event_type == "chase.started")
    rows[i] = rows[i].model_copy(update={"payload": rows[i].payload | {"amount_due": "1.00"}})
    rewritten = tmp_path / "rewritten.jsonl"
    rewritten.write_text("".join(ev.model_dump_json() + "\n" for ev in rehash(rows)))
    assert run(env, "audit", "verify", "--file", rewritten).exit_code == 0
    caught = run(env, "audit", "verify", "--file", rewritten, "--checkpoint", cp_file)
    assert caught.exit_code == 1 and f"the log was rewritten: row {cp['seq']} ends in" in caught.stderr
    assert run(env, "audit", "verify", "--file", export, "--checkpoint", cp_file).exit_code == 0

    # A checkpoint signed by a key that is no one's: refused.
    forged = cp | {"head": "0" * 64}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = run(env, "audit", "verify", "--checkpoint", tmp_path / "forged.json")
    assert refused.exit_code == 1 and "does not verify" in refused.stderr


def checkpoints(env) -> list:
    return [e for e in events(env) if e.event_type == "log.checkpoint"]


def temporal_execute(env, workflow_id: str, *input_json: str) -> subprocess.CompletedProcess:
    """A LogCheckpoint run as anyone who can reach Temporal starts one: the plain `temporal` CLI."""
    inputs = [a for j in input_json for a in ("--input", j)]
    return subprocess.run(
        [TEMPORAL, "workflow", "execute", "--type", "LogCheckpoint", "--task-queue", env["CCM_TASK_QUEUE"]]
        + ["--workflow-id", workflow_id, *inputs]
        + ["--address", env["CCM_TEMPORAL_ADDRESS"], "--namespace", env["CCM_NAMESPACE"]],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_checkpoint_asked_for_unsigned_writes_nothing_and_one_in_the_schedules_name_at_most_once_a_day(
    ccm_env, worker, tmp_path
):
    """With signatures required, the probe's unsigned `audit checkpoint` made the worker append a
    row. A person's request is now the ISU's and signed; the schedule's (which no one signs) is
    logged at most once a Geneva day; and with nothing written since the last checkpoint, it
    stands and no row is added (else each request would add a checkpoint of the checkpoint)."""
    isu = Path(ccm_env["CCM_TEST_ISU_KEY"]).parent
    started = run(ccm_env, "chase", "start", "--state", "MLT", "--year", NEXT, "--amount", "1000", keys=isu)
    assert started.exit_code == 0, started.output  # something new to checkpoint
    before = len(checkpoints(ccm_env))
    for wid, inputs, why in [
        ("cp-no-input", (), "only the ISU may checkpoint, not an unnamed office"),
        ("cp-unsigned", ('{"office": "isu", "actor": "Mallory"}',), "this installation requires signed commands"),
        ("cp-president", ('{"office": "president"}',), "only the ISU may checkpoint, not president"),
        ("cp-bogus", ('{"office": "isu", "bogus": 1}',), "bogus"),
    ]:
        refused = temporal_execute(ccm_env, wid, *inputs)
        assert refused.returncode != 0 and why in refused.stdout + refused.stderr, (wid, refused.stdout, refused.stderr)
    assert len(checkpoints(ccm_env)) == before

    daily = [temporal_execute(ccm_env, f"cp-daily-{n}", '{"daily": true}') for n in range(3)]
    assert all(r.returncode == 0 for r in daily), [r.stdout + r.stderr for r in daily]
    assert len(checkpoints(ccm_env)) == before + 1
    assert checkpoints(ccm_env)[-1].idempotency_key.startswith("checkpoints/daily/")  # the worker's day in Geneva

    signed = [run(ccm_env, "audit", "checkpoint", "--out", tmp_path / f"cp{n}.json", keys=isu) for n in range(2)]
    assert [r.exit_code for r in signed] == [0, 0], [r.output for r in signed]
    assert (tmp_path / "cp0.json").read_text() == (tmp_path / "cp1.json").read_text()  # nothing new: it stands
    assert len(checkpoints(ccm_env)) == before + 1


def test_checkpoints_run_daily_on_a_temporal_schedule(ccm_env, worker):
    """The schedule's run asks in the schedule's name (unsigned, `daily`): the worker writes
    the day's checkpoint once, and a second run that day returns it."""
    import asyncio

    from runtime.temporal import connect
    from services.settings import Settings

    r = run(ccm_env, "audit", "schedule-checkpoints", "--hour", "2")
    assert r.exit_code == 0 and "a checkpoint every day at 02:00 UTC" in r.stdout, r.output

    async def triggered() -> tuple[int, dict]:
        client = await connect(
            Settings(temporal_address=ccm_env["CCM_TEMPORAL_ADDRESS"], namespace=ccm_env["CCM_NAMESPACE"])
        )
        handle = client.get_schedule_handle("ccm-log-checkpoint")
        hour = (await handle.describe()).schedule.spec.calendars[0].hour[0].start
        await handle.trigger()
        for _ in range(120):
            if actions := (await handle.describe()).info.recent_actions:
                started = actions[-1].action
                result = client.get_workflow_handle(started.workflow_id, run_id=started.first_execution_run_id)
                return hour, await asyncio.wait_for(result.result(), 60)
            await asyncio.sleep(0.25)
        raise AssertionError("the schedule started nothing")

    hour, cp = asyncio.run(triggered())
    daily = [e for e in checkpoints(ccm_env) if e.idempotency_key.startswith("checkpoints/daily/")]
    assert hour == 2 and cp == daily[-1].payload  # written once that day, or that day's returned
    assert run(ccm_env, "audit", "schedule-checkpoints", "--delete").exit_code == 0


def test_a_statement_or_a_ledger_handed_over_unsigned_is_refused_with_nothing_written(ccm_env, worker, tmp_path):
    from decimal import Decimal

    from tests.statements import Line, camt053

    env, isu = ccm_env, Path(ccm_env["CCM_TEST_ISU_KEY"]).parent
    statement = tmp_path / "statement.xml"
    statement.write_bytes(camt053([Line("SIG-1", Decimal("12.00"), TODAY, text="interest")], "STMT-SIG"))
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("state,amount_due,date,amount,reference,budget_line\nDEU,100,,,,\n")
    before = len(events(env))
    for command in (["bank", "import", statement], ["import", "contributions", "--year", 2016, "--file", ledger]):
        unsigned = run(env, *command)
        assert unsigned.exit_code == 1 and "requires signed commands" in unsigned.stderr, unsigned.output
    assert len(events(env)) == before
    signed = run(env, "bank", "import", statement, keys=isu)
    assert signed.exit_code == 0 and "1 unmatched (CHF 12.00)" in signed.stdout, signed.output
    imported = run(env, "import", "contributions", "--year", 2016, "--file", ledger, keys=isu)
    assert imported.exit_code == 0 and imported.stdout.startswith("1 rows imported"), imported.output
    assert len(events(env)) == before + 3  # the entry, the statement's record, the ledger's row


def test_the_presidents_letter_is_signed_by_the_holder_on_its_date_and_a_note_by_the_isu(ccm_env, worker, tmp_path):
    """Who holds the Presidency is the key registry's record: the holder registered to sign
    letters on the letter's date signs it, with their full title. The ISU's notes verbales
    carry no personal signature: place, date and the office's initials close them."""
    from tests.letters import pdf_of, pdf_text, read_message

    env = ccm_env
    title = "Ambassador, Permanent Representative of Germany; President of the Seventh Meeting of States Parties"
    fp, meta, _ = new_key(env, tmp_path / "president-now", "Michael Biontino@president")
    out = run(
        env,
        "keys",
        "register",
        meta,
        "--office",
        "president",
        "--from",
        TODAY - timedelta(days=10),
        "--until",
        TODAY + timedelta(days=400),
        "--title",
        title,
        "--signs-letters",
        "--admin-key",
        env["CCM_TEST_ADMIN_PEM"],
    )
    assert out.exit_code == 0, out.output
    _, old, _ = new_key(env, tmp_path / "president-before", "Henk Cor van der Kwast@president")
    assert (
        run(
            env,
            "keys",
            "register",
            old,
            "--office",
            "president",
            "--from",
            "2015-01-01",
            "--until",
            TODAY - timedelta(days=11),
            "--title",
            "President of the Sixth Meeting of States Parties",
            "--signs-letters",
            "--admin-key",
            env["CCM_TEST_ADMIN_PEM"],
        ).exit_code
        == 0
    )
    listed = json.loads(run(env, "keys", "list", "-o", "json").stdout)
    mine = next(r for r in listed if r["fingerprint"] == fp)
    assert (mine["holder"], mine["title"], mine["signs_letters"]) == ("Michael Biontino", title, "yes")
    isu = Path(env["CCM_TEST_ISU_KEY"]).parent
    assert run(env, "chase", "start", "--state", "STP", "--year", NEXT, "--amount", "500", keys=isu).exit_code == 0
    call = wait_for(
        lambda: next((e for e in events(env) if e.event_type == "chase.reminder_sent" and e.subject == "STP"), None)
    )  # drawn beside the start
    assert call.payload["signed_by"] == "ISU-CCM"
    message = next((Path(env["CCM_HOME"]) / "outbox" / "new").glob(f"chase-{NEXT}-STP.reminder-1@*"))
    note = pdf_text(pdf_of(read_message(message)))
    assert "presents its compliments" in note and "Biontino" not in note and note.count("ISU-CCM") >= 3
    out_pdf = tmp_path / "president.pdf"
    preview = run(
        env, "letters", "preview", "--state", "STP", "--year", NEXT, "--letter", "president_letter", "--out", out_pdf
    )
    assert preview.exit_code == 0 and f"CCM-PRES/{NEXT}/STP/" in preview.stdout, preview.output
    letter = pdf_text(out_pdf.read_bytes())
    assert "Michael Biontino" in letter and "Permanent Representative of Germany" in letter
    assert "van der Kwast" not in letter


def test_a_signed_statement_matches_its_payments_proved_by_its_entries_and_the_audit_follows_them(
    ccm_env, worker, tmp_path
):
    """Where signatures are required, the receipts a statement books are proved by its
    importer's signature over each entry (the worker signs nothing itself): matched, partly
    paid, reversed; an entry's proof sent again by anyone with Temporal's client, to another
    chase or for another amount, is refused; `audit verify --signatures` follows every
    receipt to its entry."""
    import asyncio
    from decimal import Decimal

    from temporalio.client import WorkflowUpdateFailedError

    from domain.bank import creditor_reference
    from domain.chase import RecordReceipt
    from domain.process import CommandResult
    from runtime.temporal import connect
    from services.settings import Settings
    from tests.statements import IBAN, Line, camt053

    env, isu = ccm_env, Path(ccm_env["CCM_TEST_ISU_KEY"]).parent
    for state in ("JPN", "HUN", "SVK"):
        started = run(env, "chase", "start", "--state", state, "--year", NEXT, "--amount", "1000", keys=isu)
        assert started.exit_code == 0, started.output
    ref = {s: creditor_reference(NEXT, s).replace(" ", "") for s in ("JPN", "HUN")}
    paid = tmp_path / "paid.xml"
    paid.write_bytes(
        camt053(
            [
                Line("PROOF-1", Decimal("1000.00"), TODAY, reference=ref["JPN"]),
                Line("PROOF-2", Decimal("400.00"), TODAY, reference=ref["HUN"]),
            ],
            "STMT-PROOF-1",
        )
    )
    imported = run(env, "bank", "import", paid, keys=isu)
    assert imported.exit_code == 0 and "2 matched (CHF 1'400.00), 0 reversed, 0 unmatched" in imported.stdout, (
        imported.output
    )
    reversed_ = tmp_path / "reversed.xml"
    reversed_.write_bytes(
        camt053(
            [Line("PROOF-3", Decimal("400.00"), TODAY, credit=False, reversal=True, reference=ref["HUN"])],
            "STMT-PROOF-2",
        )
    )
    second = run(env, "bank", "import", reversed_, keys=isu)
    assert second.exit_code == 0 and "1 reversed" in second.stdout, second.output
    for state, received in (("JPN", "1'000.00"), ("HUN", "0.00")):
        status = run(env, "chase", "status", "--state", state, "--year", NEXT, "-o", "json")
        assert json.loads(status.stdout)[0]["received"] == received.replace("'", ""), status.output
    rows = events(env)
    receipt = next(e for e in rows if e.event_type == "chase.receipt_recorded" and e.subject == "JPN")
    proved = receipt.payload["proved"]
    assert "signed" not in receipt.payload and proved["proof"]["entry"]["ref"] == "PROOF-1"
    assert proved["proof"]["statement_run"].startswith(f"bank-statement-{IBAN}-")
    assert (
        next(e for e in rows if e.event_type == "chase.receipt_reversed").payload["proved"]["update"]
        == "reverse_receipt"
    )

    # The same proof, sent straight to Temporal: to another chase, or for more money.
    proof = receipt.payload["proved"]["proof"]
    cmd = RecordReceipt.model_validate(proved["arguments"] | {"proof": proof})

    async def send(wid: str, arg) -> object:
        client = await connect(
            Settings(
                temporal_address=env["CCM_TEMPORAL_ADDRESS"],
                namespace=env["CCM_NAMESPACE"],
                task_queue=env["CCM_TASK_QUEUE"],
            )
        )
        try:
            return await client.get_workflow_handle(wid).execute_update(
                "record_receipt", arg, id=f"attack-{wid}-{arg.amount}", result_type=CommandResult
            )
        except WorkflowUpdateFailedError as e:
            return e.cause.message

    before = len(events(env))
    assert "pays chase-" in asyncio.run(send(f"chase-{NEXT}-SVK", cmd))
    assert "does not say what bank entry PROOF-1 says" in asyncio.run(
        send(f"chase-{NEXT}-JPN", cmd.model_copy(update={"amount": Decimal("5000.00")}))
    )
    forged = cmd.model_copy(
        update={
            "proof": cmd.proof.model_copy(update={"entry": proof["entry"] | {"amount": "5000.00"}}),
            "amount": Decimal("5000.00"),
        }
    )
    assert "does not verify" in asyncio.run(send(f"chase-{NEXT}-JPN", forged))
    assert len(events(env)) == before

    export = tmp_path / "log.jsonl"
    assert run(env, "audit", "export", "--out", export).exit_code == 0
    fresh = {"CCM_HOME": str(tmp_path / "auditor"), "CCM_ADMIN_KEYS": env["CCM_ADMIN_KEYS"]}
    verified = run(fresh, "audit", "verify", "--file", export, "--signatures")
    assert verified.exit_code == 0, verified.output
    # A proved receipt's amount changed by whoever holds the database, the chain re-hashed:
    # the chain alone cannot tell, the entry's proof can.
    rows = [Event.model_validate_json(line) for line in export.read_text().splitlines()]
    at = next(
        i
        for i, ev in enumerate(rows)
        if ev.payload.get("proved", {}).get("proof", {}).get("entry", {}).get("ref") == "PROOF-1"
    )
    proved = rows[at].payload["proved"]
    rows[at] = rows[at].model_copy(
        update={
            "payload": rows[at].payload
            | {"proved": proved | {"arguments": proved["arguments"] | {"amount": "9000.00"}}}
        }
    )
    export.write_text("".join(ev.model_dump_json() + "\n" for ev in rehash(rows)))
    assert run(fresh, "audit", "verify", "--file", export).exit_code == 0
    tampered = run(fresh, "audit", "verify", "--file", export, "--signatures")
    assert tampered.exit_code == 1 and "does not say what bank entry PROOF-1 says" in tampered.stderr, tampered.output


def test_both_onboarding_flows_register_keys_where_signatures_are_required(ccm_env, worker, tmp_path):
    """As the README tells it. One machine: the administrator's key in the usual keys
    folder beside the people's, each registered from there. Two machines: a person makes a
    key on their own, sends the public part (.json), and the administrator registers it from
    theirs. In both, the command is signed with the administrator's own key."""
    import shutil

    env = ccm_env
    admin_pem = Path(env["CCM_TEST_ADMIN_PEM"])
    one = tmp_path / "one-machine"
    one.mkdir()
    for suffix in (".pem", ".json"):  # the administrator's key, where `ccm keys new` put it
        shutil.copy(admin_pem.with_suffix(suffix), one / admin_pem.with_suffix(suffix).name)
    fp_p, president, _ = new_key(env, one, "Ana Presidenta@president")
    fp_i, isu, _ = new_key(env, one, "Tamar Gabelnick@isu")
    for meta, office in ((president, "president"), (isu, "isu")):
        out = run(
            env,
            "keys",
            "register",
            meta,
            "--office",
            office,
            "--from",
            TODAY,
            "--until",
            TODAY + timedelta(days=30),
            "--admin-key",
            one / admin_pem.name,
            keys=one,
        )
        assert out.exit_code == 0 and out.stdout.startswith("registered"), out.output
    # From that machine, each office's command is signed with its holder's key (the
    # administrator's, filed under isu too, is never taken for the ISU's).
    started = run(env, "chase", "start", "--state", "MUS", "--year", NEXT, "--amount", "500", keys=one)
    assert started.exit_code == 0, started.output
    waived = run(
        env,
        "chase",
        "waive",
        "--state",
        "MUS",
        "--year",
        NEXT,
        "--reason",
        "hardship",
        "--as",
        "Ana Presidenta@president",
        keys=one,
    )
    assert waived.exit_code == 0, waived.output
    by = {
        e.event_type: e.payload["signed"]["fingerprint"]
        for e in events(env)
        if e.workflow_id == f"chase-{NEXT}-MUS" and "signed" in e.payload
    }
    assert by["chase.waived"] == fp_p and fp_i in by.values()

    # Two machines: the person's public part crosses, never the private key.
    theirs, admins = tmp_path / "their-machine", tmp_path / "admin-machine"
    fp_r, meta, _ = new_key(env, theirs, "Rosa Coordinator@president")
    admins.mkdir()
    shutil.copy(meta, admins / "rosa.json")
    out = run(
        env,
        "keys",
        "register",
        admins / "rosa.json",
        "--office",
        "president",
        "--from",
        TODAY,
        "--until",
        TODAY + timedelta(days=30),
        "--admin-key",
        admin_pem,
        keys=admins,
    )
    assert out.exit_code == 0, out.output
    assert run(env, "chase", "start", "--state", "SLE", "--year", NEXT, "--amount", "500", keys=one).exit_code == 0
    waived = run(
        env,
        "chase",
        "waive",
        "--state",
        "SLE",
        "--year",
        NEXT,
        "--reason",
        "hardship",
        "--as",
        "Rosa Coordinator@president",
        keys=theirs,
    )
    assert waived.exit_code == 0, waived.output
    assert (
        next(e for e in events(env) if e.workflow_id == f"chase-{NEXT}-SLE" and e.event_type == "chase.waived").payload[
            "signed"
        ]["fingerprint"]
        == fp_r
    )
    listed = run(env, "keys", "list", "-o", "json")
    assert {k["fingerprint"] for k in json.loads(listed.stdout)} >= {fp_p, fp_i, fp_r}, listed.output


def test_the_cli_never_signs_with_a_key_the_registry_does_not_know_for_the_office(ccm_env, worker, tmp_path):
    """A key here that the registry does not know for the office claimed is refused by the
    CLI before anything is sent, naming the key the command needs."""
    env = ccm_env
    stranger = tmp_path / "stranger"
    fp, _, _ = new_key(env, stranger, "Someone Else@president")
    assert (
        run(
            env,
            "chase",
            "start",
            "--state",
            "TGO",
            "--year",
            NEXT,
            "--amount",
            "100",
            keys=Path(env["CCM_TEST_ISU_KEY"]).parent,
        ).exit_code
        == 0
    )
    r = run(
        env, "chase", "waive", "--state", "TGO", "--year", NEXT, "--reason", "r", "--as", "president", keys=stranger
    )
    assert (
        r.exit_code == 1
        and f"key {fp} is not registered by an administrator: this command needs a key registered for president"
        in r.stderr
    ), r.output
    assert "refused:" not in r.stderr  # said by the CLI, not by the worker
    assert not [e for e in events(env) if e.workflow_id == f"chase-{NEXT}-TGO" and e.event_type == "chase.waived"]
