"""`ccm bank` against a real dev server of its own (this year's chase ids are free there)
and a `ccm worker`: statements the tests build, as banks write them, reconciled."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import pytest_asyncio
import xmlschema

from domain.bank import creditor_reference, format_reference
from domain.schedule import geneva_today
from tests.conftest import start_dev_server, wait_for
from tests.e2e.conftest import event_log
from tests.statements import IBAN, Line, camt053, camt054, mt940, xsd

YEAR = geneva_today().year
TODAY = geneva_today()


@pytest_asyncio.fixture(scope="module")
async def dev_env():
    """A dev server for this module alone: the other modules use this year's chase ids."""
    env = await start_dev_server()
    yield env
    await env.shutdown()


def status(ccm, state, year=YEAR) -> dict:
    result = ccm("chase", "status", "--state", state, "--year", year, "-o", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)[0]


@pytest.fixture(scope="module")
def chases(worker, ccm_env):
    from click.testing import CliRunner

    from cli.main import cli

    runner = CliRunner()
    for state, amount in (("ITA", 1000), ("NOR", 500), ("NZL", 800), ("DEU", 300), ("FRA", 200), ("CHE", 205)):
        started = runner.invoke(
            cli, ["chase", "start", "--state", state, "--year", str(YEAR), "--amount", str(amount)], env=ccm_env
        )
        assert started.exit_code == 0, started.output
    reported = runner.invoke(
        cli,
        [
            "chase",
            "report-payment",
            "--state",
            "NZL",
            "--year",
            str(YEAR),
            "--amount",
            "800",
            "--date",
            TODAY.isoformat(),
            "--as",
            "NZL",
        ],
        env=ccm_env,
    )
    assert reported.exit_code == 0, reported.output
    return ccm_env


STATEMENT = [
    Line("E1", "1000", TODAY, reference=creditor_reference(YEAR, "ITA"), debtor="Ministero degli Affari Esteri"),
    Line("E2", "500", TODAY, text=f"ISU-CCM contribution Norway {YEAR}"),
    Line("E3", "800", TODAY, text="Transfer from Wellington"),  # New Zealand reported paying 800
    Line("E4", "100", TODAY, currency="EUR", text="DEU contribution"),
    Line("E5", "450", TODAY, reference=creditor_reference(YEAR, "FRA")),  # 200 due: 250 of credit
    Line("E6", "999", TODAY, text="UN conference services invoice 2041"),
    Line("E7", "1000", TODAY, credit=False, reversal=True, reference=creditor_reference(YEAR, "ITA")),
    Line("E8", "25", TODAY, credit=False, text="Account fee"),
]


def test_statements_built_here_validate_against_the_iso_20022_schemas():
    xmlschema.XMLSchema(xsd("camt.053.001.08")).validate(camt053(STATEMENT).decode())
    xmlschema.XMLSchema(xsd("camt.054.001.08")).validate(camt054(STATEMENT).decode())


def test_a_statement_is_reconciled_once_and_what_is_left_is_settled_by_hand(ccm, chases, tmp_path):
    log = event_log(chases)
    wait_for(lambda: "payment_reported" in ccm("chase", "status", "--year", YEAR, "-o", "json").stdout)
    assert status(ccm, "ITA")["creditor_reference"] == format_reference(creditor_reference(YEAR, "ITA"))

    path = tmp_path / "statement.xml"
    path.write_bytes(camt053(STATEMENT))
    first = ccm("bank", "import", path, "--as", "Sheila Mweemba@isu")
    assert first.exit_code == 0, first.output
    assert (
        f"camt.053 STMT-1 ({IBAN}): 8 entries, 0 already imported; 4 matched (CHF 2'750.00), "
        "1 reversed (CHF 1'000.00), 2 unmatched (CHF 999.00), 1 ignored (CHF 25.00)"
    ) in first.stdout
    assert "E4" in first.stdout and "only CHF entries are matched automatically" in first.stdout

    ita, nor, nzl, fra = (status(ccm, s) for s in ("ITA", "NOR", "NZL", "FRA"))
    assert ita["received"] == "0.00" and ita["outstanding"] == "1000.00"  # received, then reversed by the bank
    assert nor["stage"] == "paid" and nzl["stage"] == "paid"  # the reported payment arrived
    assert fra["stage"] == "paid" and fra["credit"] == "250.00"
    receipts = list(log.query(event_type="chase.receipt_recorded"))
    assert {r.payload["reference"] for r in receipts} == {f"{e}@{IBAN}" for e in ("E1", "E2", "E3", "E5")}
    reversal = next(log.query(event_type="chase.receipt_reversed"))
    assert reversal.payload["reference"] == f"E1@{IBAN}" and "entry E7" in reversal.payload["reason"]
    how = {ev.payload["entry"]["ref"]: ev.payload["how"] for ev in log.query(event_type="bank.entry_matched")}
    assert how == {"E1": "creditor_reference", "E2": "remittance", "E3": "reported_payment", "E5": "creditor_reference"}

    # The run is a workflow of steps: its history shows each entry's activity, and its
    # event-log rows (every entry, under the run's own id) beside them.
    from domain.bank import read_statement
    from domain.records import statement_id

    history = json.loads(ccm("audit", "history", statement_id(read_statement(path.read_bytes())), "-o", "json").stdout)
    logged = [h for h in history if h["source"] == "eventlog"]
    assert sorted(h["what"] for h in logged if h["what"].startswith("bank.entry_")) == sorted(
        ["bank.entry_matched"] * 4
        + ["bank.entry_reversed", "bank.entry_unmatched", "bank.entry_unmatched", "bank.entry_ignored"]
    ), logged
    assert sum(1 for h in history if "settle_entry" in json.dumps(h)) >= 8

    rows = log.count()
    again = ccm("bank", "import", path)
    assert again.exit_code == 0 and "8 entries, 8 already imported; 0 matched" in again.stdout, again.output
    path.with_suffix(".054").write_bytes(camt054(STATEMENT[:3]))  # the same entries as notifications
    notified = ccm("bank", "import", path.with_suffix(".054"))
    assert notified.exit_code == 0 and "3 already imported" in notified.stdout, notified.output
    # No entry twice; the notification file itself is recorded once (bank.statement_imported).
    assert log.count() == rows + 1 and log.verify().ok

    needs_chf = ccm("bank", "match", "E4", "--state", "Germany", "--year", YEAR)
    assert needs_chf.exit_code == 2 and "entry E4 is in EUR: give --chf" in needs_chf.stderr
    settled = ccm("bank", "match", "E4", "--state", "Germany", "--year", YEAR, "--chf", "95")
    assert settled.exit_code == 0, settled.output
    assert status(ccm, "DEU")["received"] == "95.00"
    twice = ccm("bank", "match", "E4", "--state", "DEU", "--year", YEAR, "--chf", "95")
    assert twice.exit_code == 1 and f"bank entry E4 is matched (chase-{YEAR}-DEU)" in twice.stderr
    debit = ccm("bank", "match", "E7", "--state", "ITA", "--year", YEAR)
    assert debit.exit_code == 1 and "E7 is reversed" in debit.stderr
    assert status(ccm, "DEU")["received"] == "95.00"

    listed = json.loads(ccm("bank", "status", "-o", "json").stdout)
    assert {r["entry"]: r["outcome"] for r in listed} == {
        "E1": "matched",
        "E2": "matched",
        "E3": "matched",
        "E4": "matched",
        "E5": "matched",
        "E6": "unmatched",
        "E7": "reversed",
        "E8": "ignored",
    }
    left = json.loads(ccm("bank", "status", "--unmatched", "-o", "json").stdout)
    assert [r["entry"] for r in left] == ["E6"]


def test_an_mt940_statement_as_a_bank_writes_it_matches_by_the_reference_in_its_text(ccm, chases, tmp_path):
    path = tmp_path / "statement.sta"
    path.write_bytes(
        mt940(
            [
                Line(
                    "MT-1",
                    "205",
                    TODAY,
                    reference=format_reference(creditor_reference(YEAR, "CHE")),
                    text="ISU CCM contribution",
                ),
                Line("MT-2", "10", TODAY, credit=False),
            ]
        )
    )
    result = ccm("bank", "import", path)
    assert result.exit_code == 0, result.output
    assert (
        f"mt940 STMT940 ({IBAN}): 2 entries, 0 already imported; 1 matched (CHF 205.00), 0 reversed, 0 unmatched, "
        "1 ignored (CHF 10.00)" in result.stdout
    )
    che = status(ccm, "CHE")
    assert che["stage"] == "paid" and Decimal(che["received"]) == Decimal("205.00")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt>", "not well-formed XML"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'/>", "not a camt.053 or camt.054 document"),
        (b"<!DOCTYPE d [<!ENTITY e 'x'>]><d>&e;</d>", "the XML declares a DTD or entities"),
        (b"name,amount\nITA,5\n", "not a bank statement"),
        (camt053([Line("X1", "12.345", TODAY)]), "amount '12.345' is not a positive amount with at most 2 decimals"),
        (
            camt053([Line("X1", "5", TODAY)], closing=Decimal("6.00")),
            "statement STMT-1 does not reconcile: opening 0.00 + entries 5.00 = 5.00, but the closing balance is 6.00 "
            "(off by 1.00)",
        ),
        (mt940([Line("X1", "5", TODAY)], closing=Decimal("4.00")), "statement STMT940 does not reconcile"),
    ],
)
def test_a_malformed_statement_is_one_line_and_writes_nothing(ccm, chases, tmp_path, content, message):
    log = event_log(chases)
    rows = log.count()
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    result = ccm("bank", "import", path)
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert log.count() == rows


def test_lines_without_a_reference_of_their_own_are_each_accounted_for_day_after_day(ccm, chases, tmp_path):
    """A bank that writes the same `:20:` every day, `NONREF` for every line, or one
    reference for two entries: each line is named by what it says, so the second day's
    payment is recorded, not taken for the first day's ("already imported")."""
    log = event_log(chases)

    def imported(data: bytes):
        path = tmp_path / "day.sta"
        path.write_bytes(data)
        result = ccm("bank", "import", path)
        assert result.exit_code == 0, result.output
        return result.stdout

    first = imported(mt940([Line("NONREF", "7", TODAY, text="fee refund")], statement_id="MPBZ"))
    second = imported(mt940([Line("NONREF", "9", TODAY, text="fee refund")], statement_id="MPBZ", opening=Decimal("7")))
    assert "1 entries, 0 already imported" in first and "1 entries, 0 already imported" in second
    again = imported(mt940([Line("NONREF", "9", TODAY, text="fee refund")], statement_id="MPBZ", opening=Decimal("7")))
    assert "1 entries, 1 already imported" in again
    shared = imported(camt053([Line("SAME", "5", TODAY, text="a"), Line("SAME", "6", TODAY, text="b")], "STMT-S"))
    assert "2 entries, 0 already imported" in shared
    amounts = sorted(
        e.payload["entry"]["amount"]
        for e in log.query(event_type="bank.entry_*")
        if e.payload["entry"]["remittance"] in ("fee refund", "a", "b")
    )
    assert amounts == ["5.00", "6.00", "7.00", "9.00"]  # every line once


def test_a_bad_iban_in_the_settings_is_one_line_naming_the_variable(ccm):
    result = ccm("config", "show", env={"CCM_BANK_IBAN": "CH93 0076 2011 6238 5295 8"})
    assert result.exit_code == 1 and result.stderr.startswith(
        "Error: CCM_BANK_IBAN: 'CH93 0076 2011 6238 5295 8' is not a valid IBAN"
    )


def test_every_line_ends_right_reversals_references_and_dates(ccm, chases, tmp_path):
    """The hostile probe's cases: three reversals against two credits, one reference on two
    accounts, a reference a manual receipt of another amount holds, money value-dated ahead."""
    for state in ("AUT", "BEL", "CAN", "DNK"):
        assert ccm("chase", "start", "--state", state, "--year", YEAR, "--amount", "1000").exit_code == 0

    def imported(data: bytes) -> list[dict]:
        path = tmp_path / "s.xml"
        path.write_bytes(data)
        result = ccm("bank", "import", path, "-o", "json")
        assert result.exit_code == 0, result.output
        return json.loads(ccm("bank", "status", "-o", "json").stdout)

    aut = creditor_reference(YEAR, "AUT")
    rows = imported(
        camt053([Line("R1", "100", TODAY, reference=aut), Line("R2", "100", TODAY, reference=aut)], "STMT-R")
    )
    rows = imported(
        camt053(
            [Line(f"R{n}", "100", TODAY, credit=False, reversal=True, reference=aut) for n in (3, 4, 5)],
            "STMT-R2",
            opening=Decimal("200"),
        )
    )
    by_entry = {r["entry"]: r for r in rows}
    assert [by_entry[f"R{n}"]["outcome"] for n in (3, 4, 5)] == ["reversed", "reversed", "unmatched"]
    assert by_entry["R5"]["reason"] == "a reversal whose credit was not found on this account"
    assert status(ccm, "AUT")["received"] == "0.00"

    bel = creditor_reference(YEAR, "BEL")
    imported(camt053([Line("SAME-1", "40", TODAY, reference=bel)], "STMT-A"))
    imported(camt053([Line("SAME-1", "60", TODAY, reference=bel)], "STMT-B", account="CH5604835012345678009"))
    assert status(ccm, "BEL")["received"] == "100.00"  # two accounts, two receipts

    manual = ccm(
        "chase",
        "receive",
        "--state",
        "CAN",
        "--year",
        YEAR,
        "--amount",
        "5",
        "--date",
        TODAY,
        "--reference",
        f"M-1@{IBAN}",
    )
    assert manual.exit_code == 0, manual.output
    rows = imported(camt053([Line("M-1", "500", TODAY, reference=creditor_reference(YEAR, "CAN"))], "STMT-M"))
    held = next(r for r in rows if r["entry"] == "M-1")
    assert held["outcome"] == "unmatched" and "already holds a receipt of 5.00" in held["reason"]
    assert status(ccm, "CAN")["received"] == "5.00"

    ahead = TODAY + timedelta(days=3)
    data = camt053([Line("V-1", "250", TODAY, reference=creditor_reference(YEAR, "DNK"))], "STMT-V").decode()
    data = data.replace(f"<ValDt><Dt>{TODAY}</Dt></ValDt>", f"<ValDt><Dt>{ahead}</Dt></ValDt>")
    rows = imported(data.encode())
    assert next(r for r in rows if r["entry"] == "V-1")["outcome"] == "matched"
    assert status(ccm, "DNK")["received"] == "250.00"


def test_bank_statements_chain_each_accounts_balances_and_name_a_gap(ccm, chases, tmp_path):
    account = "CH0209000000100013997"
    days = [TODAY - timedelta(days=n) for n in (3, 2, 1)]

    def imported(data: bytes) -> None:
        path = tmp_path / "chain.xml"
        path.write_bytes(data)
        assert ccm("bank", "import", path).exit_code == 0

    imported(camt053([Line("C-1", "10", days[0], text="interest")], "DAY-1", days[0], Decimal("100"), account=account))
    imported(camt053([Line("C-2", "20", days[1], text="interest")], "DAY-2", days[1], Decimal("110"), account=account))
    # The third day's statement opens at 150: one is missing in between.
    imported(camt053([Line("C-3", "5", days[2], text="interest")], "DAY-3", days[2], Decimal("150"), account=account))
    rows = [r for r in json.loads(ccm("bank", "statements", "-o", "json").stdout) if r["account"] == account]
    assert [r["chain"] for r in rows[:2]] == ["first", "continues"]
    assert rows[2]["chain"] == "gap: DAY-2 closed at 130.00, DAY-3 opens at 150.00 (a statement missing?)"
    shown = ccm("bank", "status").stdout
    assert f"{account}: statement DAY-3" in shown and "a statement missing?" in shown


def test_an_import_refused_for_its_office_writes_nothing_and_the_isus_import_then_credits(ccm, chases, tmp_path):
    """The probe's case: an import by an office that may not import logged its entries as
    unmatched, and the ISU's proper import then found them 'already imported'."""
    assert ccm("chase", "start", "--state", "ECU", "--year", YEAR, "--amount", "70").exit_code == 0
    log = event_log(chases)
    rows = log.count()
    path = tmp_path / "ecu.xml"
    path.write_bytes(camt053([Line("ECU-1", "70", TODAY, reference=creditor_reference(YEAR, "ECU"))], "STMT-ECU"))
    refused = ccm("bank", "import", path, "--as", "Italy")
    assert refused.exit_code == 1 and "only the ISU may import statement, not ITA" in refused.stderr, refused.output
    assert log.count() == rows
    done = ccm("bank", "import", path)
    assert done.exit_code == 0 and "1 matched (CHF 70.00)" in done.stdout, done.output
    assert status(ccm, "ECU")["stage"] == "paid"


def test_a_bank_reference_reused_on_the_account_for_a_new_entry_is_a_new_entry(ccm, chases, tmp_path):
    """The probe's case: a second statement whose entry reuses a reference seen before on
    the account (a new entry, another State's creditor reference) was 'already imported',
    and its CHF 90 vanished."""
    for state in ("GHA", "GUY"):
        assert ccm("chase", "start", "--state", state, "--year", YEAR, "--amount", "90").exit_code == 0
    path = tmp_path / "reused.xml"
    path.write_bytes(camt053([Line("REUSED-7", "90", TODAY, reference=creditor_reference(YEAR, "GHA"))], "DAY-A"))
    assert ccm("bank", "import", path).exit_code == 0
    path.write_bytes(
        camt053(
            [Line("REUSED-7", "90", TODAY, reference=creditor_reference(YEAR, "GUY"))], "DAY-B", opening=Decimal("90")
        )
    )
    second = ccm("bank", "import", path)
    assert second.exit_code == 0 and "1 entries, 0 already imported; 1 matched (CHF 90.00)" in second.stdout, (
        second.output
    )
    assert status(ccm, "GHA")["received"] == "90.00" and status(ccm, "GUY")["received"] == "90.00"


def test_a_receipt_recorded_by_hand_and_its_bank_entry_count_once_and_a_paid_chase_takes_more(ccm, chases, tmp_path):
    """The probe: `chase receive --reference UBS-…-0413` then a statement whose entry
    UBS-…-0413 pays Spain the same: received went 1108 → 1318 → 1528. Now the entry is the
    receipt already recorded (matched, counted once); a further payment to the paid chase is
    a credit, not refused; and a hand receipt that names a bank entry's reference with
    another amount is refused with both named."""
    started = ccm("chase", "start", "--state", "ESP", "--year", YEAR, "--amount", "200")
    assert started.exit_code == 0, started.output
    ref = f"UBS-{YEAR}-0413"
    by_hand = ccm(
        "chase", "receive", "--state", "ESP", "--year", YEAR, "--amount", "210", "--date", TODAY, "--reference", ref
    )
    assert by_hand.exit_code == 0, by_hand.output
    assert status(ccm, "ESP")["stage"] == "paid" and status(ccm, "ESP")["credit"] == "10.00"

    path = tmp_path / "spain.xml"
    path.write_bytes(
        camt053(
            [
                Line(ref, "210", TODAY, reference=creditor_reference(YEAR, "ESP")),
                Line(f"UBS-{YEAR}-0414", "50", TODAY, reference=creditor_reference(YEAR, "ESP")),
            ],
            "STMT-ESP",
        )
    )
    imported = ccm("bank", "import", path)
    assert imported.exit_code == 0, imported.output
    assert "2 entries, 0 already imported; 2 matched (CHF 260.00)" in imported.stdout, imported.stdout
    esp = status(ccm, "ESP")
    assert esp["received"] == "260.00" and esp["credit"] == "60.00" and esp["stage"] == "paid"

    clash = ccm(
        "chase",
        "receive",
        "--state",
        "ESP",
        "--year",
        YEAR,
        "--amount",
        "55",
        "--date",
        TODAY,
        "--reference",
        f"UBS-{YEAR}-0414",
    )
    assert clash.exit_code == 1
    assert (
        f"bank reference UBS-{YEAR}-0414 is already recorded on chase-{YEAR}-ESP as receipt 2 "
        f"(UBS-{YEAR}-0414@{IBAN}, CHF 50.00"
    ) in clash.stderr, clash.stderr
    assert status(ccm, "ESP")["received"] == "260.00"


def test_a_statement_paying_a_states_whole_contribution_fills_each_line_as_its_call_itemised_it(
    ccm, chases, ccm_env, tmp_path
):
    """Austria pays its whole contribution of a year whose budget has lines (the issue's case was
    Germany's, which this module's chases leave in arrears): the bank entry names no line, and
    the receipt fills 7a (not voluntary), 7b and 7c exactly as the call itemised them."""
    from pathlib import Path

    year = YEAR + 1
    home = Path(ccm_env["CCM_HOME"])
    (home / f"budget-{year}.csv").write_text(
        "line,amount,kind\n7a,200000,mandatory\n7b,300000,voluntary\n7c,500000,voluntary\n"
    )
    amounts = tmp_path / "amounts.csv"
    amounts.write_text("state,amount\nAUT,137870.80\n")
    started = ccm("chase", "start-all", "--year", year, "--amounts", amounts)
    assert started.exit_code == 0, started.output
    wid = f"chase-{year}-AUT"
    log = event_log(ccm_env)
    call = wait_for(lambda: next((r for r in log.query(workflow_id=wid, event_type="chase.started")), None))
    assert call.payload.get("amount_due") == "137870.80"

    # What this module's other tests left unpaid this year is carried: paid first.
    arrears = Decimal(call.payload.get("arrears") or "0")
    whole = Decimal("137870.80") + arrears
    path = tmp_path / "austria.xml"
    path.write_bytes(
        camt053([Line("AT-ALL", str(whole), TODAY, reference=creditor_reference(year, "AUT"))], "STMT-AUT")
    )
    imported = ccm("bank", "import", path)
    assert imported.exit_code == 0 and "1 matched" in imported.stdout, imported.output
    [row] = log.query(workflow_id=wid, event_type="chase.receipt_recorded")
    split = {"7a": "27574.16", "7b": "41361.24", "7c": "68935.40"}
    assert row.payload["lines"] == split | ({"arrears": f"{arrears:.2f}"} if arrears else {})
    assert row.payload["allocated_by"] == "rule"
    report = ccm("report", "contributions", "--year", year, "--output", "md")
    assert report.exit_code == 0, report.output
    for line in ("7a (mandatory): CHF 27'574.16 of CHF 200'000.00", "7b (voluntary): CHF 41'361.24 of CHF 300'000.00"):
        assert line in report.stdout, report.stdout


def test_a_split_the_payer_wrote_and_an_excess_given_as_voluntary_are_logged_as_such(ccm, chases, ccm_env, tmp_path):
    """Belgium writes its split by line in the remittance text; Luxembourg pays CHF 1,000
    above its call, imported where CCM_EXCESS=voluntary: a voluntary contribution to 7c, not
    a credit; a later overpayment said to be a credit (`--excess credit`) is one."""
    from pathlib import Path

    year = YEAR + 1  # the year of Austria's test: its budget has lines
    home = Path(ccm_env["CCM_HOME"])
    (home / f"budget-{year}.csv").write_text(
        "line,amount,kind\n7a,200000,mandatory\n7b,300000,voluntary\n7c,500000,voluntary\n"
    )
    amounts = tmp_path / "amounts.csv"
    amounts.write_text("state,amount\nBEL,137870.80\nLUX,137870.80\n")
    assert ccm("chase", "start-all", "--year", year, "--amounts", amounts).exit_code == 0
    log = event_log(ccm_env)
    due = {}
    for state in ("BEL", "LUX"):
        call = wait_for(
            lambda s=state: next(iter(log.query(workflow_id=f"chase-{year}-{s}", event_type="chase.started")), None)
        )
        due[state] = Decimal("137870.80") + Decimal(call.payload.get("arrears") or "0")
    rest = due["BEL"] - Decimal("27574.16")
    said = f"Contribution {year} 7a CHF 27'574.16 / 7c CHF {rest:,.2f}"
    path = tmp_path / "split.xml"
    path.write_bytes(
        camt053(
            [
                Line("BE-SPLIT", str(due["BEL"]), TODAY, text=said + f" {creditor_reference(year, 'BEL')}"),
                Line("LU-MORE", str(due["LUX"] + 1000), TODAY, reference=creditor_reference(year, "LUX")),
            ],
            "STMT-SPLIT",
        )
    )
    imported = ccm("bank", "import", path, env={"CCM_EXCESS": "voluntary"})
    assert imported.exit_code == 0 and "2 matched" in imported.stdout, imported.output
    [belgium] = log.query(workflow_id=f"chase-{year}-BEL", event_type="chase.receipt_recorded")
    assert belgium.payload["allocated_by"] == "payer"
    assert belgium.payload["lines"] == {"7a": "27574.16", "7c": f"{rest:.2f}"}
    [luxembourg] = log.query(workflow_id=f"chase-{year}-LUX", event_type="chase.receipt_recorded")
    assert luxembourg.payload["lines"]["7c+"] == "1000.00" and luxembourg.payload["excess"] == "voluntary"
    lux = status(ccm, "LUX", year)
    assert (lux["credit"], lux["voluntary"], lux["stage"]) == ("0.00", "1000.00", "paid")

    more = ccm("chase", "receive", "--state", "LUX", "--year", year, "--amount", "50", "--excess", "credit")
    assert more.exit_code == 0, more.output
    assert status(ccm, "LUX", year)["credit"] == "50.00"
    report = ccm("report", "contributions", "--year", year, "--output", "md")
    assert "CHF 1'000.00 of it voluntary, above what was indicated" in report.stdout, report.stdout
    wrong = ccm(
        "chase",
        "receive",
        "--state",
        "LUX",
        "--year",
        year,
        "--amount",
        "5",
        "--excess",
        "credit",
        "--excess-line",
        "7c",
    )
    assert wrong.exit_code == 2 and "not with --excess credit" in wrong.stderr


def test_a_file_of_two_accounts_records_each_statement_under_its_own(ccm, chases, ccm_env, tmp_path):
    """The probe's case: a message on account A and one on account B in one MT940 file, then
    B's alone: each entry is counted once, under its own account, and each account's chain
    holds only its own statement."""
    other = "CH5604835012345678009"
    a = mt940([Line("MA-1", "7", TODAY, credit=False)], "STMT-A").decode()
    b = mt940([Line("MB-1", "11", TODAY, text="payment of ISU CCM")], "STMT-B").decode().replace(IBAN, other)
    both, alone = tmp_path / "both.sta", tmp_path / "b.sta"
    both.write_text(a + "\r\n" + b)  # as a bank writes several messages: one after the other
    alone.write_text(b)
    first = ccm("bank", "import", both)
    assert first.exit_code == 0, first.output
    assert f"holds 2 statements: {IBAN} (1 entries), {other} (1 entries)" in first.stdout
    assert f"mt940 STMT-A ({IBAN}): 1 entries" in first.stdout and f"mt940 STMT-B ({other}): 1 entries" in first.stdout
    again = ccm("bank", "import", alone)
    assert again.exit_code == 0 and f"mt940 STMT-B ({other}): 1 entries, 1 already imported" in again.stdout
    rows = json.loads(ccm("bank", "status", "-o", "json").stdout)
    mine = [r for r in rows if r["entry"] in ("MA-1", "MB-1")]
    assert sorted((r["account"], r["entry"]) for r in mine) == sorted([(IBAN, "MA-1"), (other, "MB-1")])
    chains = json.loads(ccm("bank", "statements", "-o", "json").stdout)
    assert {r["statement"] for r in chains if r["account"] == other} == {"STMT-B"}


def test_two_statements_of_one_account_in_one_file_are_both_chained(ccm, chases, tmp_path):
    other = "CH4431999123000889012"
    first = camt053([Line("S2-1", "5", TODAY)], "STMT-D1").decode().replace(IBAN, other)
    second = camt053([Line("S2-2", "8", TODAY)], "STMT-D2", opening=Decimal("5")).decode().replace(IBAN, other)
    stmt_2 = second[second.index("<Stmt>") : second.index("</Stmt>") + len("</Stmt>")]
    path = tmp_path / "two.xml"
    path.write_text(first.replace("</Stmt>", "</Stmt>" + stmt_2, 1))
    imported = ccm("bank", "import", path)
    assert (
        imported.exit_code == 0 and f"holds 2 statements: {other} (1 entries), {other} (1 entries)" in imported.stdout
    )
    chain = [r for r in json.loads(ccm("bank", "statements", "-o", "json").stdout) if r["account"] == other]
    assert [(r["statement"], r["chain"]) for r in chain][-1] == ("STMT-D2", "continues"), chain
    assert {r["statement"] for r in chain} == {"STMT-D1", "STMT-D2"}
