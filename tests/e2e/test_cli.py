"""The `ccm` command end to end: a real dev server, a `ccm worker` process, the event log."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.schedule import geneva_today
from domain.states import registry
from tests.conftest import open_day, wait_for  # noqa: E402
from tests.e2e.conftest import DEPLOYED, OFFICES, event_log

YEAR = geneva_today().year
TODAY = geneva_today().isoformat()
NEXT = YEAR + 1  # single chases here: start-all took this year's ids


def test_help_does_not_import_temporalio():
    code = "import sys, cli.main; sys.exit('temporalio' in sys.modules or 'sqlalchemy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_ping_runs_a_workflow_through_ccm_worker_and_writes_the_event_log(ccm, worker, ccm_env):
    result = ccm("ping", "--note", "smoke")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("pong: event ")
    log = event_log(ccm_env)
    assert [e.payload for e in log.query(event_type="system.ping")][-1] == {"note": "smoke"}


def test_start_all_receive_and_status_for_the_registry(ccm, worker, tmp_path, ccm_env):
    amounts = tmp_path / "amounts.csv"
    parties = registry().parties()
    amounts.write_text("state,amount\n" + "".join(f"{s.alpha3},{1000 + i}\n" for i, s in enumerate(parties)))

    preview = ccm("chase", "start-all", "--year", YEAR, "--amounts", amounts, "--dry-run")
    assert preview.exit_code == 0, preview.output
    total = sum(1000 + i for i in range(len(parties)))
    chf = f"{total:,}.00".replace(",", "'")
    n = len(parties)  # the States Parties of today: 112 since Vanuatu joined on 1 March 2026
    assert (
        f"{n} chases would start, CHF {chf} due in all, with CHF 0.00 of arrears (0 States) and CHF 0.00 of "
        f"credits (0 States) carried from {int(YEAR) - 1}; nothing was started" in preview.stdout
    )
    assert "Italy" in preview.stdout
    first = ccm("chase", "start-all", "--year", YEAR, "--amounts", amounts)
    assert first.exit_code == 0, first.output
    assert f"{n} chases started, 0 already existed" in first.output
    again = ccm("chase", "start-all", "--year", YEAR, "--amounts", amounts)
    assert again.exit_code == 0, again.output
    assert f"0 chases started, {n} already existed" in again.output
    assert "keep the amounts they were started with" in again.stderr

    ita = next(i for i, s in enumerate(parties) if s.alpha3 == "ITA")
    received = ccm(
        "chase",
        "receive",
        "--state",
        "Italy",
        "--year",
        YEAR,
        "--amount",
        "400",
        "--date",
        TODAY,
        "--budget-line",
        "7a",
        "--as",
        "Sheila Mweemba@isu",
    )
    assert received.exit_code == 0, received.output
    assert f"chase-{YEAR}-ITA: partially_paid, received 400.00, outstanding {1000 + ita - 400}.00" in received.output

    one = json.loads(ccm("chase", "status", "--state", "ita", "--year", YEAR, "--output", "json").output)
    assert one[0]["state"] == "ITA" and one[0]["received"] == "400.00" and one[0]["stage"] == "partially_paid"

    def all_listed():
        rows = json.loads(ccm("chase", "status", "--year", YEAR, "--output", "json").output or "[]")
        return rows if len(rows) == n else None

    rows = wait_for(all_listed)
    assert {r["state"] for r in rows} == {s.alpha3 for s in parties}
    assert set(rows[0]) >= {"state", "year", "amount_due", "received", "outstanding", "stage"}

    log = event_log(ccm_env)
    receipt = next(iter(log.query(workflow_id=f"chase-{YEAR}-ITA", event_type="chase.receipt_recorded")))
    assert (receipt.actor, receipt.office) == ("Sheila Mweemba", "isu")
    # Started with no --as: the holder of the ISU's key here (deployed), else, with no key,
    # the operating-system user at this host; for the ISU.
    import getpass
    import socket

    started = next(iter(log.query(workflow_id=f"chase-{YEAR}-ITA", event_type="chase.started")))
    who = OFFICES["isu"] if DEPLOYED else f"{getpass.getuser()}@{socket.gethostname()}"
    assert (started.actor, started.office) == (who, "isu")
    assert all(ev.actor for ev in log.query(workflow_prefix=f"chase-{YEAR}-")), "an event names nobody"
    assert log.verify().ok


def test_the_temporal_cli_queries_and_updates_a_chase_with_plain_json(ccm, worker, ccm_env):
    assert ccm("chase", "start", "--state", "NOR", "--year", NEXT, "--amount", "5000").exit_code == 0
    temporal = str(Path(sys.executable).parent / "temporal")
    address = ["--address", ccm_env["CCM_TEMPORAL_ADDRESS"], "--namespace", ccm_env["CCM_NAMESPACE"]]
    update = subprocess.run(
        [
            temporal,
            "workflow",
            "update",
            "execute",
            *address,
            "--workflow-id",
            f"chase-{NEXT}-NOR",
            "--name",
            "record_receipt",
            "--input",
            json.dumps({"amount": "1500.00", "date": TODAY}),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if DEPLOYED:  # an unsigned update, whoever sends it, is refused where signatures are required
        assert update.returncode == 1 and "requires signed commands" in update.stderr, update.stderr
        return
    assert update.returncode == 0, update.stderr
    query = subprocess.run(
        [
            temporal,
            "workflow",
            "query",
            *address,
            "--workflow-id",
            f"chase-{NEXT}-NOR",
            "--type",
            "status",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert query.returncode == 0, query.stderr
    status = json.loads(query.stdout)["queryResult"][0]
    assert status["received"] == "1500.00" and status["outstanding"] == "3500.00"
    # Sent straight to Temporal, naming no one: its event says so, for the ISU (the default office).
    receipt = next(iter(event_log(ccm_env).query(workflow_id=f"chase-{NEXT}-NOR", event_type="chase.receipt_recorded")))
    assert (receipt.actor, receipt.office) == ("unnamed", "isu")


@pytest.mark.parametrize(
    "args,message",
    [
        (["chase", "start", "--state", "Itlay", "--amount", "10"], "did you mean Italy (ITA)?"),
        (["chase", "start", "--state", "ITA", "--amount", "-5"], "is not a positive amount"),
        (["chase", "start", "--state", "ITA", "--amount", "10", "--msp-date", "2017-02-30"], "is not a date"),
        (["states", "show", "Atlantis"], "unknown State 'Atlantis'"),
    ],
)
def test_bad_input_is_refused_while_parsing_with_exit_code_2(ccm, args, message):
    result = ccm(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_a_year_that_has_ended_is_refused(ccm):
    result = ccm("chase", "start", "--state", "ITA", "--year", YEAR - 1, "--amount", "10")
    assert result.exit_code == 1 and f"the financial year {YEAR - 1} has already ended" in result.output


def test_an_update_to_a_finished_chase_is_one_clear_line(ccm, worker):
    assert ccm("chase", "start", "--state", "CHE", "--year", NEXT, "--amount", "100").exit_code == 0
    waived = ccm("chase", "waive", "--state", "CHE", "--year", NEXT, "--reason", "test", "--as", "president")
    assert waived.exit_code == 0
    result = ccm("chase", "receive", "--state", "CHE", "--year", NEXT, "--amount", "5", "--date", TODAY)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the workflow has already finished"


def test_a_refused_receipt_is_one_clear_line(ccm, worker):
    assert ccm("chase", "start", "--state", "AUT", "--year", NEXT, "--amount", "100").exit_code == 0
    result = ccm("chase", "receive", "--state", "AUT", "--year", NEXT, "--amount", "5", "--date", f"{NEXT}-01-05")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: refused: the receipt date {NEXT}-01-05 is in the future"


def test_starting_a_chase_twice_says_it_exists(ccm, worker):
    assert ccm("chase", "start", "--state", "BEL", "--year", NEXT, "--amount", "100").exit_code == 0
    result = ccm("chase", "start", "--state", "BEL", "--year", NEXT, "--amount", "100")
    assert result.exit_code == 1 and f"chase-{NEXT}-BEL already exists" in result.output


def test_an_unreachable_server_is_one_clear_line(ccm):
    result = ccm("chase", "status", "--state", "ITA", env={"CCM_TEMPORAL_ADDRESS": "127.0.0.1:1"})
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot reach Temporal at 127.0.0.1:1")
    assert len(result.output.strip().splitlines()) == 1


def test_states_list_as_json_and_show(ccm):
    rows = json.loads(ccm("states", "list", "--status", "signatory", "--output", "json").output)
    # 19 signatories in November 2016; Madagascar, Benin, Namibia, Gambia, the Philippines,
    # Sao Tome and Principe and Nigeria have ratified since.
    assert len(rows) == 12 and {"alpha3", "name", "status", "entry_into_force"} <= set(rows[0])
    assert all(r["status"] == "signatory" for r in rows) and "NGA" not in {r["alpha3"] for r in rows}
    in_2016 = json.loads(ccm("states", "list", "--status", "signatory", "--as-of", "2016-11-04", "-o", "json").output)
    assert len(in_2016) == 19
    shown = json.loads(ccm("states", "show", "it", "--output", "json").output)
    assert shown["alpha3"] == "ITA" and shown["entry_into_force"] == "2012-03-01"


def test_the_states_not_party_of_a_day_and_the_universalization_targets(ccm):
    """The issue's check: `--as-of 2016-11-04 --status not-party` gives the 97 States not party
    of that day (19 signatories, 78 that had done neither), which with the 100 States Parties
    make the 197 of the world; today, `neither` lists who never signed nor joined."""
    r = ccm("states", "list", "--as-of", "2016-11-04", "--status", "not-party", "-o", "json")
    assert r.exit_code == 0, r.output
    rows = {row["alpha3"]: row["status"] for row in json.loads(r.stdout)}
    assert len(rows) == 97 and Counter(rows.values()) == {"neither": 78, "signatory": 19}
    assert (rows["USA"], rows["MDG"], rows["LKA"]) == ("neither", "signatory", "neither")
    assert "ITA" not in rows and "SSD" in rows  # South Sudan acceded in 2023
    table = ccm("states", "list", "--as-of", "2016-11-04", "--status", "not-party")
    assert "97 States not party on 2016-11-04: 100 of the 197 States are States Parties" in table.stdout
    neither = {row["alpha3"] for row in json.loads(ccm("states", "list", "--status", "neither", "-o", "json").stdout)}
    assert "USA" in neither and not {"LKA", "SSD", "NIU", "MDG"} & neither
    early = ccm("states", "list", "--as-of", "2015-06-01", "--status", "not-party")
    assert early.exit_code == 2 and "the registry tells signatories from 2016-11-01 on" in early.stderr
    targets = json.loads(ccm("states", "targets", "--as-of", "2017-01-01", "-o", "json").stdout)
    assert [(t["target"], t["said"]) for t in targets] == [
        ("130 States Parties by 2020", "open: 100 of 130, 30 to go by 2020-12-31"),
        ("eight new States Parties by the 7MSP", "open: 0 of 8, 8 to go by 2017-09-04"),
    ]


def test_config_show_masks_secrets(ccm):
    result = ccm(
        "config",
        "show",
        "--output",
        "json",
        env={"CCM_SMTP_PASSWORD": "hunter2", "CCM_DATABASE_URL": "postgresql://u:pw@db/ccm"},
    )
    values = json.loads(result.output)
    assert values["smtp_password"] == "**********" and "pw" not in values["database_url"]
    assert "hunter2" not in result.output


def test_audit_history_merges_temporal_history_with_the_event_log(ccm, worker):
    assert ccm("chase", "start", "--state", "DNK", "--year", NEXT, "--amount", "700").exit_code == 0
    assert ccm("chase", "receive", "--state", "DNK", "--year", NEXT, "--amount", "700", "--date", TODAY).exit_code == 0
    wid = f"chase-{NEXT}-DNK"

    def paid():  # a paid chase stays open until the year ends, for reversals
        lines = json.loads(ccm("audit", "history", wid, "--output", "json").output)
        return lines if any(x["what"] == "chase.paid" for x in lines) else None

    lines = wait_for(paid)
    started = next(x for x in lines if x["what"] == "workflow_execution_started")
    assert started["source"] == "temporal" and started["details"]["input"][0]["state"] == "DNK"
    updates = [x["details"] for x in lines if x["what"] == "workflow_execution_update_accepted"]
    assert [u["update"] for u in updates] == ["ready", "record_receipt"]  # `chase start` waits for its start
    assert updates[1]["args"][0]["amount"] == "700.00" and updates[1]["args"][0]["office"] == "isu"
    logged = [x["what"] for x in lines if x["source"] == "eventlog"]
    assert logged == ["chase.started", "chase.reminder_sent", "chase.receipt_recorded", "chase.paid"]
    # Letters are PDFs drawn by ordinary activities: scheduled with their request,
    # completed with the Message-ID of what was written. The start's check and the log's
    # appends are ordinary activities too (a process workflow runs no local activity).
    scheduled = [x["details"] for x in lines if x["what"] == "activity_task_scheduled"]
    letters = [d for d in scheduled if d["activity"] == "write_letter"]
    assert len(letters) == 2 and letters[0]["input"][0]["letter"] == "call_for_contributions"  # the call, the thanks
    assert {d["activity"] for d in scheduled} == {"check_start", "record_event", "write_letter"}
    completed = [
        x["details"]["result"][0]
        for x in lines
        if x["what"] == "activity_task_completed"
        and x["details"].get("result")
        and "message_id" in (x["details"]["result"][0] or {})
    ]
    assert all(r["message_id"].startswith(f"<{wid}.") for r in completed) and len(completed) == 2
    table = ccm("audit", "history", wid)
    assert table.exit_code == 0 and "temporal" in table.output and "eventlog" in table.output


def test_five_identical_receipts_at_once_count_once(ccm, worker, ccm_env):
    """Five people sending the same receipt at once: five intents, one bank reference, so
    one receipt and four refusals that say why. Five retries of one script's command (one
    --request-id): Temporal applies the first and answers every copy with its result."""
    import os

    ccm_path = str(Path(sys.executable).parent / "ccm")

    def five(state: str, reference: str, *request_id: str) -> list:
        receive = [
            ccm_path,
            *request_id,
            "chase",
            "receive",
            "--state",
            state,
            "--year",
            str(NEXT),
            "--amount",
            "1000",
            "--date",
            TODAY,
            "--reference",
            reference,
        ]
        procs = [
            subprocess.Popen(
                receive, env=os.environ | ccm_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(5)
        ]
        return [(p.communicate(timeout=60), p.returncode) for p in procs]

    log = event_log(ccm_env)
    for state, reference, request_id in (
        ("ISL", "IS-2027-1", ["--request-id", "bank-script-7"]),
        ("LSO", "LS-2027-1", []),
    ):
        assert ccm("chase", "start", "--state", state, "--year", NEXT, "--amount", "1000").exit_code == 0
        results = five(state, reference, *request_id)
        paid = f"chase-{NEXT}-{state}: paid, received 1000.00, outstanding 0.00\n"
        ok = [out for (out, _), code in results if code == 0]
        refused = [err for (_, err), code in results if code == 1]
        if request_id:
            assert ok == [paid] * 5, results
        else:
            assert ok == [paid] and len(refused) == 4, results
            assert all(
                f"bank reference {reference} is already recorded on chase-{NEXT}-{state} as receipt 1" in err
                for err in refused
            )
        receipts = [e for e in log.query(workflow_id=f"chase-{NEXT}-{state}", event_type="chase.receipt_recorded")]
        assert len(receipts) == 1 and receipts[0].payload["reference"] == reference
    again = ccm(
        "chase",
        "receive",
        "--state",
        "ISL",
        "--year",
        NEXT,
        "--amount",
        "999",
        "--date",
        TODAY,
        "--reference",
        "IS-2027-2",
    )
    # A paid chase takes more money until its year closes: the excess is a credit.
    assert again.exit_code == 0 and "received 1999.00" in again.output, again.output


def test_doctor_sees_a_failing_workflow_task_and_says_ok_once_it_is_gone(ccm, worker, ccm_env, client):
    import asyncio

    async def start_unknown():
        return await client.start_workflow("NoSuchProcess", id=f"doctor-{NEXT}", task_queue=ccm_env["CCM_TASK_QUEUE"])

    handle = asyncio.run(start_unknown())
    try:
        found = wait_for(
            lambda: (
                (r := ccm("doctor", "--output", "json")).exit_code == 1
                and [f for f in json.loads(r.stdout) if f["where"] == handle.id]
            ),
            seconds=60,
        )
        assert found[0]["what"] == "workflow task failing" and "NoSuchProcess" in found[0]["details"]
    finally:
        asyncio.run(handle.terminate("test over"))
    ok = wait_for(lambda: (r := ccm("doctor")).exit_code == 0 and r, seconds=30)
    assert ok.stdout.startswith("ok: ") and "event log verified" in ok.stdout


def test_the_web_ui_shows_each_workflow_with_a_summary_like_the_cli(ccm, worker, ccm_env):
    """Temporal's user metadata, read back as `temporal workflow describe` shows it."""
    assert ccm("chase", "start", "--state", "Luxembourg", "--year", NEXT, "--amount", "38486").exit_code == 0
    described = subprocess.run(
        [
            str(Path(sys.executable).parent / "temporal"),
            "workflow",
            "describe",
            "--workflow-id",
            f"chase-{NEXT}-LUX",
            "--address",
            ccm_env["CCM_TEMPORAL_ADDRESS"],
            "--namespace",
            ccm_env["CCM_NAMESPACE"],
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert described.returncode == 0, described.stderr
    metadata = json.loads(described.stdout)["executionConfig"]["userMetadata"]
    assert metadata["summary"] == f"Luxembourg — CHF 38'486.00 due for {NEXT}"
    assert metadata["details"].startswith(f"Contribution chase of Luxembourg (LUX) for {NEXT}")


def test_without_year_a_chase_command_takes_the_open_chase_and_not_found_names_the_years(ccm, worker):
    # start-all may have started this year's chase of Peru: closed, it is not the open one.
    ccm("chase", "cancel", "--state", "Peru", "--year", YEAR, "--reason", "test", "--as", "president")
    assert ccm("chase", "start", "--state", "Peru", "--year", NEXT, "--amount", "500").exit_code == 0
    found = wait_for(
        lambda: (
            (r := ccm("chase", "status", "--state", "Peru", "-o", "json")).exit_code == 0
            and json.loads(r.stdout)[0]["year"] == NEXT
            and r
        )
    )
    assert f"(year {NEXT}: the open chase; give --year for another)" in found.stderr
    missing = ccm("chase", "status", "--state", "Peru", "--year", 2010)
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: no chase for PER in 2010; there are chases for ")
    assert str(NEXT) in missing.stderr
    receipt = ccm("chase", "receive", "--state", "Peru", "--amount", "100", "--date", TODAY, "--reference", "PE-1")
    assert receipt.exit_code == 0 and receipt.stdout.startswith(f"chase-{NEXT}-PER: partially_paid")


def test_the_presidents_letters_go_to_every_unpaid_state_when_the_presidency_decides(ccm, worker, ccm_env):
    """Chases whose pre-MSP reminder has gone wait for the Presidency's decision. The MSP
    is set to tomorrow, so that its reminder (21 days before) is due at once and goes
    before the meeting opens; on 31 December, next year's chase with its MSP on 1 January.
    The test holds on any day of the year."""
    today = date.fromisoformat(TODAY)
    year, msp = (YEAR, today + timedelta(days=1)) if (today.month, today.day) != (12, 31) else (NEXT, date(NEXT, 1, 1))
    for state in ("Iceland", "Ireland"):
        # The year's chase (start-all's, or this one if it has not run), its MSP tomorrow.
        ccm("chase", "start", "--state", state, "--year", year, "--amount", "300")  # "already exists" is fine
        moved = ccm("chase", "set-msp-date", "--state", state, "--year", year, "--date", msp.isoformat())
        assert moved.exit_code == 0, moved.output

    def due():
        rows = json.loads(ccm("chase", "status", "--year", year, "-o", "json").stdout or "[]")
        due = [r["state"] for r in rows if r["stage"] == "escalation_due"]
        return due if {"ISL", "IRL"} <= set(due) else None

    due = wait_for(due)
    sent = ccm("chase", "escalate", "--year", year, "--all-unpaid", "--as", "Michael Biontino@president")
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.startswith(f"{len(due)} President's letters sent for {year}")
    again = ccm("chase", "escalate", "--year", year, "--all-unpaid", "--as", "president")
    assert again.stdout.strip() == f"0 President's letters sent for {year}"
    log = event_log(ccm_env)
    letter = next(log.query(event_type="chase.escalated"))
    assert letter.actor == "Michael Biontino" and letter.office == "president"


def test_a_command_on_a_task_queue_no_worker_polls_is_refused_and_starts_nothing(ccm, worker, client, tmp_path):
    import asyncio

    nobody = {"CCM_TASK_QUEUE": "nobody-polls-this"}
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("state,amount_due,date,amount,reference,budget_line\nDEU,100,2016-03-01,100,DE-1,7c\n")
    for args in (
        ["chase", "start", "--state", "Malta", "--year", NEXT, "--amount", "100"],
        ["meeting", "schedule", "--date", open_day(date(NEXT, 3, 4)), "--venue", "Room XII"],
        ["task", "add", "--owner", "NOR", "--text", "x", "--due", date(NEXT, 3, 4)],
        ["import", "contributions", "--year", 2016, "--file", ledger],
        ["ping"],
    ):
        refused = ccm(*args, env=nobody)
        assert refused.exit_code == 1, (args, refused.output)
        assert refused.stderr.strip() == (
            "Error: no worker polls the task queue 'nobody-polls-this' (namespace "
            f"{client.namespace}): start `ccm worker`, then repeat the command"
        ), args

    async def started():
        return [wf.id async for wf in client.list_workflows("TaskQueue = 'nobody-polls-this'")]

    assert asyncio.run(started()) == []


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_days_default_is_genevas_whatever_the_machines_time_zone(ccm, worker, ccm_env, zone):
    """One clock: a receipt dated by default is dated Geneva's day. At every hour of the
    day one of these two zones (UTC+14, UTC-11) is on another calendar day than Geneva:
    there, the machine's own date would be refused as tomorrow, or taken for yesterday."""
    import os
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from domain.schedule import geneva_today

    state = {"Pacific/Kiritimati": "NRU", "Pacific/Pago_Pago": "WSM"}[zone]
    started = ccm("chase", "start", "--state", state, "--year", NEXT, "--amount", "100")
    assert started.exit_code == 0, started.output
    env = os.environ | ccm_env | {"TZ": zone}
    local = datetime.now(ZoneInfo(zone)).date()
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "ccm"),
            "chase",
            "receive",
            "--state",
            state,
            "--year",
            str(NEXT),
            "--amount",
            "10",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    geneva = geneva_today()
    log = event_log(ccm_env)
    receipt = next(iter(log.query(workflow_id=f"chase-{NEXT}-{state}", event_type="chase.receipt_recorded")))
    assert receipt.payload["date"] == geneva.isoformat(), (zone, local, geneva, datetime.now(timezone.utc))


def test_kiritimati_or_pago_pago_is_always_on_another_day_than_geneva():
    """What makes the test above bite at any hour it runs."""
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    for minutes in range(0, 365 * 24 * 60, 15):  # winter and summer time
        moment = datetime(2027, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minutes)
        geneva = moment.astimezone(ZoneInfo("Europe/Zurich")).date()
        assert any(moment.astimezone(ZoneInfo(z)).date() != geneva for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago"))


def test_the_arrears_of_2016_aged_by_the_year_billed_sum_to_what_the_report_says_is_outstanding(ccm, worker):
    """The demo's 2016 ledger (the minutes' year) imported, then aged: every State's arrears
    are of 2016 or carried into it, and they sum to the year's outstanding."""
    from decimal import Decimal

    ledger = Path(__file__).parents[2] / "domain" / "data" / "demo_ledger_2016.csv"
    imported = ccm("import", "contributions", "--year", 2016, "--file", ledger)
    assert imported.exit_code == 0, imported.output
    aged = json.loads(ccm("report", "arrears", "--year", 2016, "-o", "json").stdout)
    import csv
    import io

    status = list(csv.DictReader(io.StringIO(ccm("report", "contributions", "--year", 2016, "-o", "csv").stdout)))
    [total] = [row for row in status if row["name"] == "Total"]
    outstanding = Decimal(total["outstanding"])
    assert outstanding > 0 and sum(Decimal(a["amount"]) for a in aged["arrears"]) == outstanding
    assert {a["origin"] for a in aged["arrears"]} <= {0, 2016}
    assert sum(Decimal(t) for t in aged["by_origin"].values()) == outstanding
    older = json.loads(ccm("report", "arrears", "--year", 2016, "--older-than", "1", "-o", "json").stdout)
    assert all(a["age"] > 1 for a in older["arrears"])
    table = ccm("report", "arrears", "--year", 2016)
    assert table.exit_code == 0 and "total 2016" in table.stdout


def test_a_receipt_split_by_the_payer_is_logged_as_said_and_a_split_that_does_not_add_up_changes_nothing(
    ccm, worker, ccm_env
):
    """`--lines` as the payer says them, signed like any command where signatures are
    required (make test-deployed runs this module so); a split that is not the amount is
    refused in one line and writes nothing."""
    botswana = ["--state", "BWA", "--year", NEXT]
    assert ccm("chase", "start", *botswana, "--amount", "3000").exit_code == 0
    wid = f"chase-{NEXT}-BWA"
    bad = ccm("chase", "receive", *botswana, "--amount", "1000", "--lines", "7a=600,7c=300")
    assert bad.exit_code == 1 and bad.stderr.strip().splitlines() == [
        "Error: the parts by line add up to 900.00, not to the amount 1000.00"
    ]
    assert list(event_log(ccm_env).query(workflow_id=wid, event_type="chase.receipt_recorded")) == []
    said = ccm("chase", "receive", *botswana, "--amount", "1000", "--lines", "7a=600,7c=400", "--reference", "BW-1")
    assert said.exit_code == 0, said.output
    [row] = event_log(ccm_env).query(workflow_id=wid, event_type="chase.receipt_recorded")
    assert row.payload["lines"] == {"7a": "600.00", "7c": "400.00"} and row.payload["allocated_by"] == "payer"
