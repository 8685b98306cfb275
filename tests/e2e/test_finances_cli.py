"""The Unit's finances through the CLI: a budget set and revised, the host's expenditure
imported once, and the finance update (`ccm report finances`) in its formats."""

from __future__ import annotations

import json

from tests.e2e.conftest import event_log

LEDGER = (
    "state,amount_due,date,amount,reference,budget_line\n"
    "AUT,40000,2012-02-10,40000,AT-12,\nBEL,30000,2012-05-03,10000,BE-12,\nDNK,30000,,,,\n"
)
BUDGET = "line,amount,kind\n7a,40000,mandatory\n7b,30000,voluntary\n7c,30000,voluntary\n"
SPENT = (
    "date,budget_line,amount,description,document,kind\n"
    "2012-01-31,7b,8000.00,salaries January,HOST-2012-001,\n"
    "2012-02-29,7b,8000.00,salaries February,HOST-2012-002,\n"
    "2012-03-15,7a,20000.00,conference services of the MSP,HOST-2012-003,\n"
    "2012-03-31,,1300.00,the host's fee,HOST-2012-004,fee\n"
)


def test_a_budget_its_revision_the_spending_and_the_finance_update(ccm, worker, ccm_env, tmp_path):
    ledger, budget, spent = tmp_path / "ledger.csv", tmp_path / "budget.csv", tmp_path / "spent.csv"
    ledger.write_text(LEDGER)
    budget.write_text(BUDGET)
    spent.write_text(SPENT)
    assert ccm("import", "contributions", "--year", 2012, "--file", ledger).exit_code == 0
    first = ccm(
        "budget", "set", "--year", 2012, "--file", budget, "--decision", "2MSP report, para. 30",
        "--approved-on", "2011-09-16", "--carry-over", "25000",
    )  # fmt: skip
    assert first.exit_code == 0 and "budget 2012 recorded" in first.stdout, first.output
    again = ccm(
        "budget", "set", "--year", 2012, "--file", budget, "--decision", "2MSP report, para. 30",
        "--approved-on", "2011-09-16", "--carry-over", "25000",
    )  # fmt: skip
    assert again.exit_code == 0 and "already recorded" in again.stdout
    imported = ccm("import", "expenditure", "--file", spent)
    assert imported.exit_code == 0 and imported.stdout.startswith("4 rows imported"), imported.output
    assert ccm("import", "expenditure", "--file", spent).stdout.startswith("0 rows imported")

    update = ccm("report", "finances", "--year", 2012, "--as-of", "2012-04-30", "--since", "2012-03-01")
    assert update.exit_code == 0, update.output
    said = update.stdout
    assert "since the update of 1 March 2012: 0 States Parties contributed CHF 0.00" in said
    assert "on 30 April 2012, 1 of 3 States Parties had contributed" in said
    assert "a financing deficit of CHF 60'000.00 of its 2012 budget of CHF 100'000.00 (2MSP report, para. 30)" in said
    # 25,000 carried over + 40,000 received - 37,300 spent (the host's fee with it)
    assert "spent by 30 April 2012: CHF 37'300.00; cash: CHF 27'700.00" in said
    assert "fees taken by the host or the UN: CHF 1'300.00" in said
    # 64,000 of the budget left to spend over May-December (8,000 a month); the log holds no
    # 2011 to say when the others pay, so no receipt is counted on: August is short.
    assert "the cash does not last through the first trimester of 2013: it runs short in August 2012" in said, said
    months = json.loads(ccm("report", "finances", "--year", 2012, "--as-of", "2012-04-30", "-o", "json").stdout)
    assert [m["month"] for m in months["projection"]][:2] == ["2012-05-01", "2012-06-01"]
    assert months["projection"][0]["spending"] == "8000.00" and months["cash"] == "27700.00"
    md = ccm("report", "finances", "--year", 2012, "--as-of", "2012-04-30", "-o", "md")
    assert md.stdout.startswith("# Finance update 2012, as of 2012-04-30") and "| May 2012 |" in md.stdout
    # A page with the cash over time, in each language of the Convention's work.
    page = tmp_path / "finances.fr.html"
    html = ccm("report", "finances", "--year", 2012, "--as-of", "2012-04-30", "-o", "html", "--language", "fr",
               "--out", page)  # fmt: skip
    assert html.exit_code == 0, html.output
    text = page.read_text()
    assert '<path class="cash"' in text and '<path class="projection"' in text and 'class="zero"' in text
    assert "Point sur les finances 2012" in text and "elle manque dès août 2012" in text, text
    assert "27\u202f700,00\xa0CHF" in text  # the cash, as French writes it
    spanish = ccm("report", "finances", "--year", 2012, "--as-of", "2012-04-30", "--language", "es").stdout
    assert "la tesorería no alcanza para el primer trimestre de 2013: falta a partir de agosto de 2012" in spanish

    # A revision: the latest budget counts from its day; both stay in the log.
    budget.write_text(BUDGET.replace("7c,30000", "7c,50000"))
    revised = ccm(
        "budget", "set", "--year", 2012, "--file", budget, "--decision", "2MSP report, para. 31 (revised)",
        "--approved-on", "2012-04-20",
    )  # fmt: skip
    assert revised.exit_code == 0, revised.output
    shown = json.loads(ccm("budget", "show", "--year", 2012, "-o", "json").stdout)
    assert len(shown) == 6 and shown[-1]["amount"] == "50000.00"
    later = ccm("report", "finances", "--year", 2012, "--as-of", "2012-04-30").stdout
    assert "of its 2012 budget of CHF 120'000.00 (2MSP report, para. 31 (revised), revised 1 times)" in later
    earlier = ccm("report", "finances", "--year", 2012, "--as-of", "2012-04-19").stdout
    assert "of its 2012 budget of CHF 100'000.00" in earlier

    # The host's export changed under a document already recorded: refused, both named.
    spent.write_text(SPENT.replace("2012-01-31,7b,8000.00", "2012-01-31,7b,8500.00"))
    changed = ccm("import", "expenditure", "--file", spent)
    assert changed.exit_code == 1 and "8500.00" in changed.stderr and "8000.00" in changed.stderr, changed.output
    log = event_log(ccm_env)
    assert sum(1 for e in log.query(event_type="expenditure.recorded")) == 4
