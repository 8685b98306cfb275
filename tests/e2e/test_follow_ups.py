"""A decision's follow-up closed by the command that carries it out (`--fulfilled-by`), and
a decision on a year that is history recorded without sending anything."""

from __future__ import annotations

import json
from datetime import timedelta

from domain.schedule import geneva_today
from tests.conftest import wait_for
from tests.e2e.conftest import event_log

TODAY = geneva_today()


def test_the_presidents_letters_on_a_year_of_history_are_recorded_and_close_the_decisions_item(
    ccm, worker, ccm_env, tmp_path
):
    ledger = tmp_path / "ledger-2014.csv"
    ledger.write_text(
        "state,amount_due,date,amount,reference,budget_line,kind\n"
        "AUT,1000,2014-03-01,1000,AT-14,7a,\nBEL,1200,,,,,\nCHE,900,2014-05-01,400,CH-14,7a,\n"
        "DNK,800,,,,,\nESP,700,2014-06-01,,will pay in July,,pledge\nFRA,600,2014-06-02,,FR-14,,reported\n"
    )
    assert ccm("import", "contributions", "--year", 2014, "--file", ledger).exit_code == 0
    added = ccm(
        "task",
        "add",
        "--owner",
        "president",
        "--text",
        "Individual letters to the States that have not paid",
        "--due",
        TODAY + timedelta(days=30),
        "--fulfilled-by",
        "escalation:2014",
    )
    assert added.exit_code == 0, added.output
    item = added.output.split()[-1]
    wrong = ccm("task", "add", "--owner", "president", "--text", "x", "--due", TODAY, "--fulfilled-by", "letters")
    assert wrong.exit_code == 2 and "'letters' names no command" in wrong.stderr

    done = ccm("chase", "escalate", "--year", 2014, "--all-unpaid", "--as", "Michael Biontino@president")
    assert done.exit_code == 0, done.output
    # "all States that had still not sent their contributions": not one that pledged, reported
    # paying or paid part; those are listed apart for the Presidency.
    assert done.stdout.splitlines() == [
        "2014 is history (its contributions were imported; no chase of it runs): the decision to send the President's "
        "letters to the 2 States that sent nothing is recorded (BEL, DNK); nothing is sent",
        "listed apart, not written to: 1 pledged (ESP)",
        "listed apart, not written to: 1 reported paying (FRA)",
        "listed apart, not written to: 1 paid part (CHE)",
        f"action item {item} closed: the decision it records is carried out",
    ]
    log = event_log(ccm_env)
    decision = next(e for e in log.query() if e.event_type == "decision.recorded")
    assert decision.payload["states"] == ["BEL", "DNK"] and decision.payload["sent"] is False
    assert (decision.payload["pledged"], decision.payload["reported"], decision.payload["partial"]) == (
        ["ESP"],
        ["FRA"],
        ["CHE"],
    )
    assert decision.office == "president" and decision.actor == "Michael Biontino"
    closed = wait_for(
        lambda: next((e for e in log.query() if e.event_type == "action.completed" and e.workflow_id == item), None)
    )
    assert closed.payload["fulfilled_by"] == "escalation:2014" and "2014" in closed.payload["note"]

    again = ccm("chase", "escalate", "--year", 2014, "--all-unpaid", "--as", "Michael Biontino@president")
    assert again.exit_code == 0 and len(again.stdout.splitlines()) == 4  # recorded once; no item closed twice
    assert sum(1 for e in log.query() if e.event_type == "decision.recorded") == 1


def test_the_page_is_drafted_until_the_committee_decides_to_publish_and_the_presidency_records_it(ccm, worker, ccm_env):
    """ "asked Coordinators to seek advice from their capitals and provide an answer by the
    next meeting": publishing the status of contributions is the Committee's decision."""
    from pathlib import Path

    from tests.conftest import open_day

    home = Path(ccm_env["CCM_HOME"])
    # Nothing of the year in the log: no page says "0 of 0 States Parties have contributed".
    empty = ccm("report", "publish", "--year", TODAY.year)
    assert empty.exit_code == 1 and "nothing to publish" in empty.stderr, empty.output
    assert not (home / "draft").exists() or not list((home / "draft").iterdir())
    assert ccm("chase", "start", "--state", "ITA", "--year", TODAY.year, "--amount", "1000").exit_code == 0
    drafted = ccm("report", "publish", "--year", TODAY.year)
    assert drafted.exit_code == 0 and drafted.stdout.startswith(f"drafted {home / 'draft'}"), drafted.output
    assert "no decision of the Committee to publish is recorded" in drafted.stderr
    assert not (home / "site" / f"contributions-{TODAY.year}.html").exists()
    held = open_day(TODAY - timedelta(days=9), step=-1)
    nothing = ccm("report", "publish", "--decided-at", held, "--as", "Michael Biontino@president")
    assert nothing.exit_code == 2 and f"the log holds no Committee meeting of {held}" in nothing.stderr
    assert ccm("meeting", "schedule", "--date", held, "--venue", "Permanent Mission of Germany").exit_code == 0
    wrong = ccm("report", "publish", "--decided-at", held, "--as", "isu")
    assert wrong.exit_code == 1 and "only the Presidency may record decision" in wrong.stderr, wrong.output
    done = ccm("report", "publish", "--year", TODAY.year, "--decided-at", held, "--as", "Michael Biontino@president")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"published {home / 'site' / f'contributions-{TODAY.year}.html'}")
    assert f"as the Committee decided at its meeting of {held} (recorded by Michael Biontino)" in done.stdout
    again = ccm("report", "publish", "--year", TODAY.year)  # the decision stands
    assert again.exit_code == 0 and again.stdout.startswith("published"), again.output


def test_letters_sent_before_ccm_are_imported_counted_and_recalled_by_date(ccm, worker, ccm_env, tmp_path):
    """'three reminders had already been sent to States in 2016 … one letter had been sent in
    January, one in June and one just before the 6MSP': a year kept before ccm brings its
    letters with it; the report counts them and the President's letter recalls them."""
    from pathlib import Path

    from tests.letters import pdf_text

    ledger = tmp_path / "ledger-2013.csv"
    ledger.write_text(
        "state,amount_due,date,amount,reference,budget_line\nAUT,1000,2013-03-01,1000,AT-13,7a\nBEL,1200,,,,\n"
    )
    assert ccm("import", "contributions", "--year", 2013, "--file", ledger).exit_code == 0
    letters = tmp_path / "letters-2013.csv"
    letters.write_text(
        "state,date,kind,reference\n"
        "BEL,2013-01-15,call_for_contributions,ISU-CCM/2013/BEL/1\n"
        "AUT,2013-01-15,call_for_contributions,ISU-CCM/2013/AUT/1\n"
        "BEL,2013-06-14,second_reminder,\n"
        "BEL,2013-08-20,pre_msp_reminder,\n"
    )
    first = ccm("import", "letters", "--year", 2013, "--file", letters)
    assert first.exit_code == 0 and first.stdout.startswith("4 rows imported"), first.output
    assert "note:" not in first.stderr  # the log the worker wrote is the one read (as deployed: two roles, one log)
    again = ccm("import", "letters", "--year", 2013, "--file", letters)
    assert again.exit_code == 0 and again.stdout.startswith("0 rows imported") and "4 already there" in again.stdout

    status = ccm("chase", "status", "--year", 2013, "--as-of", "2013-12-31", "-o", "json")
    assert status.exit_code == 0, status.output
    rows = {r["state"]: r for r in json.loads(status.stdout)}
    assert (rows["BEL"]["letters"], rows["AUT"]["letters"]) == (3, 1)

    out = tmp_path / "president.pdf"
    preview = ccm("letters", "preview", "--state", "BEL", "--year", 2013, "--letter", "president_letter", "--out", out)
    assert preview.exit_code == 0, preview.output
    text = " ".join(pdf_text(Path(out).read_bytes()).split())
    assert "ISU-CCM/2013/BEL/1 of 15 January 2013" in text, text
    assert "ISU-CCM/2013/BEL/2 of 14 June 2013 and ISU-CCM/2013/BEL/3 of 20 August 2013" in text, text

    # A changed row under a letter's name, a State the ledger does not bill, a kind not ours.
    changed = tmp_path / "changed.csv"
    changed.write_text("state,date,kind,reference\nBEL,2013-01-15,call_for_contributions,ISU-CCM/2013/BEL/9\n")
    refused = ccm("import", "letters", "--year", 2013, "--file", changed)
    assert refused.exit_code == 1 and "ISU-CCM/2013/BEL/9" in refused.stderr, refused.output
    assert "ISU-CCM/2013/BEL/1" in refused.stderr and len(refused.stderr.splitlines()) == 1, refused.stderr
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("state,date,kind,reference\nCHE,2013-01-15,call_for_contributions,\nBEL,2013-02-01,invoice,\n")
    bad = ccm("import", "letters", "--year", 2013, "--file", wrong)
    assert bad.exit_code == 1, bad.output
    assert "no chase of CHE for 2013" in bad.stderr and "'invoice' is not one of" in bad.stderr
    log = event_log(ccm_env)
    assert sum(1 for e in log.query(event_type="chase.letter_imported")) == 4
