"""A decision's follow-up closed by the command that carries it out (`--fulfilled-by`), and
a decision on a year that is history recorded without sending anything."""

from __future__ import annotations

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
        "state,amount_due,date,amount,reference,budget_line\n"
        "AUT,1000,2014-03-01,1000,AT-14,7a\nBEL,1200,,,,\nCHE,900,2014-05-01,400,CH-14,7a\n"
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
    assert done.stdout.splitlines() == [
        "2014 is history (its contributions were imported; no chase of it runs): the decision to send the President's "
        "letters to 2 States that still owed for it is recorded (BEL, CHE); nothing is sent",
        f"action item {item} closed: the decision it records is carried out",
    ]
    log = event_log(ccm_env)
    decision = next(e for e in log.query() if e.event_type == "decision.recorded")
    assert decision.payload["states"] == ["BEL", "CHE"] and decision.payload["sent"] is False
    assert decision.office == "president" and decision.actor == "Michael Biontino"
    closed = wait_for(
        lambda: next((e for e in log.query() if e.event_type == "action.completed" and e.workflow_id == item), None)
    )
    assert closed.payload["fulfilled_by"] == "escalation:2014" and "2014" in closed.payload["note"]

    again = ccm("chase", "escalate", "--year", 2014, "--all-unpaid", "--as", "Michael Biontino@president")
    assert again.exit_code == 0 and len(again.stdout.splitlines()) == 1  # recorded once; no item closed twice
    assert sum(1 for e in log.query() if e.event_type == "decision.recorded") == 1


def test_the_page_is_drafted_until_the_committee_decides_to_publish_and_the_presidency_records_it(ccm, worker, ccm_env):
    """ "asked Coordinators to seek advice from their capitals and provide an answer by the
    next meeting": publishing the status of contributions is the Committee's decision."""
    from pathlib import Path

    from tests.conftest import open_day

    home = Path(ccm_env["CCM_HOME"])
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
