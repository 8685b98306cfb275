"""The status of contributions computed from event-log rows, on SQLite and PostgreSQL."""

from datetime import date, datetime, timezone
from decimal import Decimal

from click.testing import CliRunner

from cli.main import cli
from domain.chase import CorrectDue, RecordReceipt, ReverseReceipt
from domain.contributions import BudgetLine, fold_contributions
from tests.produced import Chases


def at(month, day, year=2016) -> datetime:
    return datetime(year, month, day, 10, tzinfo=timezone.utc)


def year_2016(log) -> Chases:
    """Three States: Germany pays in full, Italy pays late (recorded in December),
    Norway pays part; letters to everyone."""
    year = Chases(log, 2016)
    for state, due in (("DEU", "43650.00"), ("ITA", "20000.00"), ("NOR", "10000.00")):
        year.start(state, due, at(1, 11))
    year.command(
        "DEU",
        "record_receipt",
        RecordReceipt(amount=Decimal("43650.00"), date=date(2016, 3, 1), budget_line="7c"),
        at(3, 1),
    )
    year.command(
        "NOR",
        "record_receipt",
        RecordReceipt(amount=Decimal("4000.00"), date=date(2016, 6, 20), budget_line="7a"),
        at(6, 20),
    )
    assert year.fire_next("ITA", at(6, 15)) == "reminder-2"
    # Italy's money arrived on 3 November but the ISU recorded it on 12 December.
    year.command(
        "ITA",
        "record_receipt",
        RecordReceipt(amount=Decimal("20000.00"), date=date(2016, 11, 3), budget_line="7b"),
        at(11, 3),
        recorded=at(12, 12),
    )
    return year


BUDGET = [
    BudgetLine(line="7a", amount="150000", kind="mandatory"),
    BudgetLine(line="7b", amount="150000", kind="voluntary"),
    BudgetLine(line="7c", amount="200000", kind="voluntary"),
]


def test_the_report_folds_the_years_rows(event_log):
    year_2016(event_log)
    report = fold_contributions(event_log.query(), 2016, {"DEU": "Germany"}, BUDGET)
    by_state = {s.state: s for s in report.states}
    assert by_state["DEU"].name == "Germany" and by_state["DEU"].outstanding == 0
    assert by_state["NOR"].received == 4000 and by_state["NOR"].outstanding == 6000
    # the call, the second reminder and the thank-you its payment in full brought
    assert by_state["ITA"].letters == 3 and by_state["ITA"].last_action == "paid"
    assert report.paid_in_full_text == "2 of 3"
    assert [(b.line, b.received) for b in report.budget_lines] == [("7a", 4000), ("7b", 20000), ("7c", 43650)]
    assert report.deficit == 500000 - 67650
    assert report.cumulative() == [(date(2016, 3, 1), 43650), (date(2016, 6, 20), 47650), (date(2016, 11, 3), 67650)]


def test_as_of_a_date_the_report_ignores_what_the_log_learned_later(event_log, db_url, tmp_path):
    year_2016(event_log)
    runner = CliRunner()
    env = {"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)}
    before = runner.invoke(
        cli, ["report", "contributions", "--year", "2016", "--as-of", "2016-11-04", "--output", "md"], env=env
    )
    assert before.exit_code == 0, before.output
    # Norway paid part: it has contributed, as the minutes count it, without paying in full.
    assert "2 of 3 States Parties have contributed (1 in full); received CHF 47'650.00" in before.output
    after = runner.invoke(
        cli, ["report", "contributions", "--year", "2016", "--as-of", "2016-12-31", "--output", "md"], env=env
    )
    assert "3 of 3 States Parties have contributed (2 in full); received CHF 67'650.00" in after.output
    status = runner.invoke(
        cli,
        ["chase", "status", "--year", "2016", "--state", "ITA", "--as-of", "2016-11-04", "--output", "json"],
        env=env,
    )
    assert status.exit_code == 0, status.output
    assert '"received": "0.00"' in status.output and '"outstanding": "20000.00"' in status.output


def test_the_budget_file_gives_lines_and_the_deficit(event_log, db_url, tmp_path):
    year_2016(event_log)
    (tmp_path / "budget-2016.csv").write_text(
        "line,amount,kind\n7a,150000,mandatory\n7b,150000,voluntary\n7c,200000,voluntary\n"
    )
    result = CliRunner().invoke(
        cli, ["report", "contributions", "--year", "2016"], env={"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert "7c (voluntary): CHF 43'650.00 of CHF 200'000.00" in result.output
    assert "budget CHF 500'000.00, deficit CHF 432'350.00" in result.output


def test_the_published_page_is_self_contained_with_table_and_chart(event_log, db_url, tmp_path):
    year_2016(event_log)
    result = CliRunner().invoke(
        cli, ["report", "publish", "--year", "2016"], env={"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "draft" / "contributions-2016.html").read_text()
    assert "<svg" in page and 'class="receipts"' in page and '<table id="states">' in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no external assets
    states_table = page.split('<table id="states">')[1].split("</table>")[0]
    assert [name in states_table for name in ("Germany", "Italy", "Norway")] == [True] * 3
    assert states_table.count("<tr") == 1 + 3 + 1  # header, three States, total
    assert '<strong id="paid-in-full">2 of 3</strong>' in page


def test_a_reversal_and_a_correction_are_folded_from_the_same_receipts_as_the_deficit(event_log):
    # Germany's receipt was booked twice by mistake and reversed; Norway's amount due corrected.
    year = year_2016(event_log)
    year.command(
        "DEU",
        "record_receipt",
        RecordReceipt(amount=Decimal("43650.00"), date=date(2016, 3, 2), budget_line="7c", reference="twice"),
        at(3, 2),
    )
    year.command("DEU", "reverse_receipt", ReverseReceipt(number=2, reason="booked twice"), at(3, 3))
    year.command("NOR", "correct_due", CorrectDue(amount=Decimal("8000.00"), reason="scale corrected"), at(4, 1))
    report = fold_contributions(event_log.query(), 2016, {}, BUDGET)
    rows = {r.state: r for r in report.states}
    assert rows["DEU"].received == 43650 and rows["DEU"].credit == 0 and rows["DEU"].outcome == "paid"
    assert rows["NOR"].amount_due == 8000 and rows["NOR"].outstanding == 4000
    lines = {b.line: b.received for b in report.budget_lines}
    assert lines["7c"] == 43650  # the reversed receipt counts nowhere
    assert sum(lines.values()) + report.unassigned_receipts == report.total("received")
    assert report.deficit == report.budget - report.total("received")


def test_an_as_of_page_is_a_dated_snapshot_beside_the_live_page(event_log, db_url, tmp_path):
    year_2016(event_log)
    env = {"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)}
    runner = CliRunner()
    assert runner.invoke(cli, ["report", "publish", "--year", "2016"], env=env).exit_code == 0
    live = (tmp_path / "draft" / "contributions-2016.html").read_text()
    snapshot = runner.invoke(cli, ["report", "publish", "--year", "2016", "--as-of", "2016-11-04"], env=env)
    assert snapshot.exit_code == 0 and "contributions-2016-as-of-2016-11-04.html" in snapshot.stdout
    assert (tmp_path / "draft" / "contributions-2016.html").read_text() == live  # untouched
    assert "1 of 3" in (tmp_path / "draft" / "contributions-2016-as-of-2016-11-04.html").read_text()


def test_the_csv_report_has_a_credit_column_and_a_totals_row_and_goes_to_a_file(event_log, db_url, tmp_path):
    import csv

    year_2016(event_log)
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(
        cli,
        ["report", "contributions", "--year", "2016", "--output", "csv", "--out", out],
        env={"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert "credit" in rows[0] and [r["state"] for r in rows[:3]] == ["DEU", "ITA", "NOR"]
    assert rows[-1]["name"] == "Total" and rows[-1]["received"] == "67650.00"
    assert rows[-1]["outstanding"] == "6000.00" and rows[-1]["letters"] == "6"  # 2 + 3 + 1


LEDGER = (
    "state,amount_due,date,amount,reference,budget_line\n"
    "DEU,43650,2016-03-01,43650,DE-1,7c\n"
    "ITA,20000,2016-11-03,20000,IT-1,7b\n"
    "NOR,10000,2016-06-20,4000,NO-1,7a\n"
    "ZMB,500,,,,\n"
)


def test_a_past_years_ledger_is_imported_once_and_read_like_a_live_year(db_url, tmp_path, worker_on):
    """The rows are handed to a `ccm worker`, which writes them: the command only reads."""
    from activities.database import open_event_log
    from activities.records import cycle_amounts
    from domain.cycle import CycleInput

    env = worker_on({"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)})
    log = open_event_log(db_url)
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text(LEDGER + "AGO,100,,,,\nITA,20000,2016-13-01,5,IT-2,7b\nNOR,9999,,,,\n")
    refused = runner.invoke(cli, ["import", "contributions", "--year", "2016", "--file", bad], env=env)
    assert refused.exit_code == 1 and "has 3 problems" in refused.stderr
    assert "line 6, state: Angola (AGO) was not a State Party in 2016" in refused.stderr
    assert "line 7, date: '2016-13-01'" in refused.stderr and "line 8, amount_due: 9999.00 differs" in refused.stderr
    assert list(log.query(event_type="chase.*")) == []  # nothing half-written
    ledger = tmp_path / "ledger-2016.csv"
    ledger.write_text(LEDGER)
    first = runner.invoke(cli, ["import", "contributions", "--year", "2016", "--file", ledger], env=env)
    assert first.exit_code == 0 and first.stdout.startswith("7 rows imported"), first.output
    again = runner.invoke(cli, ["import", "contributions", "--year", "2016", "--file", ledger], env=env)
    assert again.stdout.startswith("0 rows imported") and again.stdout.strip().endswith("7 already there")
    # As of 4 November Italy's money (dated 3 November) counts: an imported row counts from its own date.
    md = runner.invoke(cli, ["report", "contributions", "--year", "2016", "--as-of", "2016-11-04", "-o", "md"], env=env)
    assert "3 of 4 States Parties have contributed (2 in full); received CHF 67'650.00" in md.stdout
    early = runner.invoke(
        cli, ["report", "contributions", "--year", "2016", "--as-of", "2016-11-02", "-o", "md"], env=env
    )
    assert "2 of 4 States Parties have contributed (1 in full)" in early.stdout
    status = runner.invoke(cli, ["chase", "status", "--year", "2016", "--state", "NOR", "-o", "json"], env=env)
    assert status.exit_code == 0 and '"outstanding": "6000.00"' in status.stdout, status.output
    carried = cycle_amounts(log, CycleInput(year=2017, amounts_csv="state,amount\nNOR,100\nZMB,100\nDEU,100\n"))
    assert carried.arrears == {"NOR": Decimal("6000.00"), "ZMB": Decimal("500.00")}  # the next year's arrears
    # The CLI's dry run of the next year shows the same arrears, though 2017 has ended.
    amounts = tmp_path / "amounts-2017.csv"
    amounts.write_text("state,amount\nNOR,100\nZMB,100\nDEU,100\n")
    dry = runner.invoke(cli, ["chase", "start-all", "--year", "2017", "--amounts", amounts, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert (
        "3 chases would start, CHF 300.00 due in all, with CHF 6'500.00 of arrears (2 States) and CHF 0.00 "
        "of credits (0 States) carried from 2016; nothing was started"
    ) in dry.stdout
    live = runner.invoke(cli, ["chase", "start-all", "--year", "2017", "--amounts", amounts], env=env)
    assert live.exit_code == 1 and "the financial year 2017 has already ended" in live.stderr


def test_a_year_with_chases_in_ccm_cannot_be_imported_over(event_log, db_url, tmp_path):
    year_2016(event_log)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER)
    result = CliRunner().invoke(
        cli,
        ["import", "contributions", "--year", "2016", "--file", ledger],
        env={"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)},
    )
    assert (
        result.exit_code == 1 and "2016 has chases in ccm (chase-2016-DEU): it cannot be imported over" in result.stderr
    )


def test_the_demos_2016_ledger_tells_the_figures_of_the_minutes(event_log):
    """'only 24 out of 100 States Parties had contributed … CHF 96'433 towards 7a;
    CHF 110'922 towards 7b and CHF 170'481 towards 7c … a financing deficit amounting to
    just over CHF 100'000' (minutes of 4 November 2016, item 6)."""
    from importlib import resources

    from domain.contributions import ledger_events, read_budget
    from domain.states import registry
    from runtime.demo import BUDGET_2016

    data = resources.files("domain").joinpath("data/demo_ledger_2016.csv").read_bytes()
    for event in ledger_events(data, 2016, registry(), "demo ledger", "isu"):
        event_log.append(event)
    report = fold_contributions(event_log.query(), 2016, {"ITA": "Italy"}, read_budget(BUDGET_2016), date(2016, 11, 4))
    # "only 24 out of 100 States Parties had contributed towards the ISU-CCM Trust Fund"
    assert report.contributed_text.startswith("24 of 100 States Parties have contributed")
    # "CHF 96'433 towards 7a; CHF 110'922 towards 7b and CHF 170'481 towards 7c"
    assert {b.line: b.received for b in report.budget_lines} == {
        "7a": Decimal("96433"),
        "7b": Decimal("110922"),
        "7c": Decimal("170481"),
    }
    # "a financing deficit amounting to just over CHF 100'000 of its 2016 budget"
    assert Decimal("100000") < report.deficit < Decimal("101000")
    # "since the last update, only 2 States Parties had made contributions … CHF 43'650"
    since = [r for r in report.receipts if date(2016, 9, 27) < r.on <= date(2016, 11, 4)]
    assert len(since) == 2 and sum(r.amount for r in since) == Decimal("43650")
    # "A third State Party had reported having paid its contribution, but the ISU-CCM had
    # not received it yet"
    reported = report.standing("reported")
    assert len(reported) == 1 and reported[0].received == 0
    # "Italy informed the meeting that its contribution was being processed … at the same
    # level as in the past": a pledge with an amount, and nothing received
    italy = next(s for s in report.states if s.state == "ITA")
    assert italy.received == 0 and italy.pledged.startswith("CHF ") and report.standing("pledged") == [italy]
    # "only 40% of the annual budget … as not voluntary"
    mandatory = sum(b.amount for b in report.budget_lines if b.kind == "mandatory")
    assert mandatory / report.budget == Decimal("0.4")
    # The amounts due are the UN scale of 2016-2018 (A/RES/70/245) over the budget: no
    # State with a UN rate pays the flat minimum.
    assert sum(s.amount_due for s in report.states) == report.budget
    assert sorted(s.state for s in report.states if s.amount_due == Decimal("100")) == ["COK", "PSE", "VAT"]


def test_the_demos_finance_update_states_item_6_sentence_by_sentence(event_log, tmp_path):
    """The minutes' item 6 from the log alone (`ccm report finances --year 2016 --as-of
    2016-11-04 --since 2016-09-27`): the figures the minutes give come out as they give
    them; the budget's decision, the carry-over and the spending are the demo's."""
    from importlib import resources

    from domain.contributions import ledger_events
    from domain.finances import budget_event, expenditure_events
    from domain.states import registry
    from runtime.demo import APPROVED_2016, BUDGET_2016, CARRY_OVER_2016, DECISION_2016, expenditure_2016
    from services.finances import finances, update_sentences
    from services.reports import arrears_report

    data = resources.files("domain").joinpath("data/demo_ledger_2016.csv").read_bytes()
    event_log.append_all(ledger_events(data, 2016, registry(), "demo ledger", "isu"))
    budget = BUDGET_2016.encode()
    event_log.append(budget_event(budget, 2016, DECISION_2016, APPROVED_2016, CARRY_OVER_2016, "demo", "isu"))
    event_log.append_all(expenditure_events(expenditure_2016(), "demo", "isu", date(2016, 11, 4)))
    day = date(2016, 11, 4)
    fin, report = finances(event_log, tmp_path, 2016, day)
    said = update_sentences(fin, report, arrears_report(event_log, 2016, day), date(2016, 9, 27))
    # "since the last update, only 2 States Parties had made contributions … CHF 43'650"
    assert said[0] == (
        "since the update of 27 September 2016: 2 States Parties contributed CHF 43'650.00 (Germany, Netherlands)"
    )
    # "A third State Party had reported having paid its contribution, but the ISU-CCM had not received it yet"
    assert said[1] == "a State Party reported having paid; the Unit had not received it by 4 November 2016"
    # "only 24 out of 100 States Parties had contributed … CHF 96'433 towards 7a; CHF 110'922
    # towards 7b and CHF 170'481 towards 7c"
    assert said[2] == (
        "on 4 November 2016, 24 of 100 States Parties had contributed: CHF 96'433.00 towards 7a; "
        "CHF 110'922.00 towards 7b; CHF 170'481.00 towards 7c"
    )
    # "a financing deficit amounting to just over CHF 100'000 of its 2016 budget"
    assert said[3].startswith("a financing deficit of CHF 100'164.00 of its 2016 budget of CHF 478'000.00")
    # "only 40% of the annual budget … as not voluntary"
    assert said[4] == "not voluntary: 40 % of the budget"
    # "funds carried over from the previous year but … not … adequate to take the Secretariat
    # through the first trimester of 2017"
    assert "the cash does not last through the first trimester of 2017: it runs short in" in said[5], said[5]
    assert fin.runs_out is not None and date(2017, 1, 1) <= fin.runs_out.month <= date(2017, 3, 1)
    assert fin.cash == CARRY_OVER_2016 + Decimal("377836.00") - fin.spent_on()
    # "the 13% administrative fee would apply", were the UN to collect the budget
    assert said[6].endswith(
        "the UN's 13 % administrative fee, were the UN to bill the year's contributions: CHF 49'118.68"
    )
    # The lines' cash and the total agree: receipts less spending, plus the carry-over.
    assert sum(fin.cash_by_line().values()) + fin.carry_over == fin.cash
    # In French and Spanish, as those languages write amounts, days and States' names.
    arrears = arrears_report(event_log, 2016, day)
    french = update_sentences(fin, report, arrears, date(2016, 9, 27), "fr")
    assert french[0] == (
        "depuis la mise à jour du 27 septembre 2016 : 2 États parties ont contribué 43\u202f650,00\xa0CHF "
        "(Allemagne, Pays-Bas)"
    )
    assert french[2].startswith("au 4 novembre 2016, 24 des 100 États parties avaient contribué : 96\u202f433,00")
    spanish = update_sentences(fin, report, arrears, date(2016, 9, 27), "es")
    assert spanish[3].startswith("un déficit de financiación de 100.164,00\xa0CHF de su presupuesto de 2016")
    assert "falta a partir de febrero de 2017" in spanish[5]


def test_the_demos_article_7_record_tells_the_figures_of_the_minutes(event_log):
    """'22 States Parties with overdue initial transparency reports and 20 States Parties
    with overdue 2015 annual reports' (minutes of 4 November 2016, item 5.6)."""
    from importlib import resources

    from domain.obligations import imported_events
    from domain.states import registry
    from runtime.demo import article7_as_of_4_november

    data = resources.files("domain").joinpath("data/demo_article7_2016.csv").read_bytes()
    event_log.append_all(imported_events(data, registry(), "demo record", "isu"))
    said = article7_as_of_4_november(event_log)
    assert said.startswith(
        "Article 7 as of 4 November 2016: 22 States Parties with overdue initial transparency "
        "reports and 20 with overdue 2015 annual reports"
    )
    assert "the demo's are illustrative" in said  # no public source names the 22 and the 20


def test_a_ledger_resorted_or_extended_writes_only_what_is_new_and_a_changed_row_is_refused(
    db_url, tmp_path, worker_on
):
    """Rows are named by what they are, never by their line: the issue's Germany, counted
    twice when a re-sorted ledger with one row inserted was imported again, is counted once."""
    from activities.database import open_event_log

    env = worker_on({"CCM_DATABASE_URL": db_url, "CCM_HOME": str(tmp_path)})
    runner = CliRunner()

    def imported(text: str):
        ledger = tmp_path / "ledger.csv"
        ledger.write_text("state,amount_due,date,amount,reference,budget_line\n" + text)
        return runner.invoke(cli, ["import", "contributions", "--year", "2016", "--file", ledger], env=env)

    first = imported("DEU,2000,2016-03-01,1000,,7c\nNOR,500,2016-06-20,500,NO-1,7a\n")
    assert first.exit_code == 0 and first.stdout.startswith("4 rows imported"), first.output
    resorted = imported("NOR,500,2016-06-20,500,NO-1,7a\nITA,300,,,,\nDEU,2000,2016-03-01,1000,,7c\n")
    assert resorted.exit_code == 0 and resorted.stdout.startswith("1 rows imported"), resorted.output
    assert resorted.stdout.strip().endswith("4 already there")
    log = open_event_log(db_url)
    receipts = log.query(workflow_id="chase-2016-DEU", event_type="chase.receipt_imported")
    received = [e.payload["amount"] for e in receipts]
    assert received == ["1000.00"]
    count = log.count()
    corrected = imported("DEU,2500,2016-03-01,1000,,7c\n")
    assert corrected.exit_code == 1, corrected.output
    assert "1 rows differ from what the log already holds under their names: line 2 says" in corrected.stderr
    assert "'amount_due': '2500.00'" in corrected.stderr and "'amount_due': '2000.00'" in corrected.stderr
    assert log.count() == count  # nothing written
    negative = imported("ZMB,-5,,,,\n")
    assert negative.exit_code == 1 and "line 2, amount_due: -5.00 is negative" in negative.stderr


def test_the_page_lists_states_by_name_and_tells_its_two_shortfalls_apart():
    """The Committee's reading of the page: States in alphabetical order, never a minus
    glued to CHF, the deficit (against the budget) and the outstanding (against amounts
    due) named for what they are, and the chart's caption only promising what it draws."""
    from activities.reports import render_html
    from domain.contributions import BudgetLine, ContributionsReport, StateContribution

    states = [
        StateContribution(
            state=a,
            name=n,
            amount_due=Decimal("1000"),
            received=Decimal(r),
            outstanding=max(Decimal("0"), Decimal("1000") - Decimal(r)),
        )
        for a, n, r in (
            ("AUT", "Austria", "0"),
            ("BDI", "Burundi", "100"),
            ("BEL", "Belgium", "1000"),
            ("BFA", "Burkina Faso", "0"),
        )
    ]
    lines = [
        BudgetLine(line="7a", amount=Decimal("500"), kind="mandatory", received=Decimal("2981")),
        BudgetLine(line="7b", amount=Decimal("9000"), kind="voluntary", received=Decimal("0")),
    ]
    import html

    page = html.unescape(
        render_html(ContributionsReport(year=2016, as_of=date(2016, 11, 4), states=states, budget_lines=lines))
    )
    order = [page.index(f'<th scope="row">{n}</th>') for n in ("Austria", "Belgium", "Burkina Faso", "Burundi")]
    assert order == sorted(order)
    assert "CHF-" not in page and "none: CHF\xa02'481.00 over" in page  # Babel's no-break space
    assert "the budget lacks" in page and "(the deficit)" in page and "is still outstanding" in page
    assert "against the budget (red)" in page
    bare = render_html(ContributionsReport(year=2016, states=states))
    assert "(red)" not in bare and "the budget lacks" not in bare


def test_the_page_in_french_and_spanish_names_and_sorts_states_in_its_language_with_no_english_left(tmp_path):
    """A published page reads in English, French and Spanish: the States named and sorted
    as each language names them (Équateur among the E, Allemagne first), amounts and
    dates as Babel writes them there, each page naming the others."""
    import html
    import re

    from activities.reports import publish
    from domain.contributions import BudgetLine, ContributionsReport, StateContribution

    states = [
        StateContribution(
            state=a,
            name=n,
            amount_due=Decimal("1000"),
            received=Decimal(r),
            outstanding=max(Decimal("0"), Decimal("1000") - Decimal(r)),
            last_action=act,
            last_action_on=date(2016, 10, 3),
        )
        for a, n, r, act in (
            ("DEU", "Germany", "1000", "paid"),
            ("ECU", "Ecuador", "0", "reminder_sent"),
            ("GBR", "United Kingdom", "500", "receipt_recorded"),
            ("ESP", "Spain", "0", "pledged"),
        )
    ]
    lines = [BudgetLine(line="7a", amount=Decimal("500"), kind="mandatory", received=Decimal("1500"))]
    en = publish(ContributionsReport(year=2016, as_of=date(2016, 11, 4), states=states, budget_lines=lines), tmp_path)
    name = "contributions-2016-as-of-2016-11-04"
    pages = {
        lang: html.unescape((tmp_path / f"{name}{suffix}.html").read_text())
        for lang, suffix in (("en", ""), ("fr", ".fr"), ("es", ".es"))
    }
    assert en == tmp_path / f"{name}.html" and '<html lang="fr">' in pages["fr"]
    assert f'hreflang="es" href="{name}.es.html"' in pages["fr"]

    def order(page, names):
        return [page.index(f'<th scope="row">{n}</th>') for n in names]

    fr, es = pages["fr"], pages["es"]
    assert order(fr, ["Allemagne", "Équateur", "Espagne", "Royaume-Uni"]) == sorted(
        order(fr, ["Allemagne", "Équateur", "Espagne", "Royaume-Uni"])
    )
    assert order(es, ["Alemania", "Ecuador", "España", "Reino Unido"]) == sorted(
        order(es, ["Alemania", "Ecuador", "España", "Reino Unido"])
    )
    assert "4 novembre 2016" in fr and "500,00\xa0CHF" in fr and "rien : 1\u202f000,00\xa0CHF au-delà" in fr
    assert "4 de noviembre de 2016" in es and "1.000,00\xa0CHF" in es and "pagado íntegramente" in es
    assert "2 sur 4" in fr and "versement reçu" in fr and "annonce de contribution" in fr
    english = re.compile(
        r"\b(the|of|and|Received|States|Parties|Budget lines|Contributions by State|"
        r"outstanding|paid|letter|pledge|none|over|As of|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
    )
    for lang in ("fr", "es"):
        text = re.sub(r"<[^>]+>", " ", pages[lang])
        text = re.sub(r"ccm audit verify[^.]*|contributions-2016[.\w]*", "", text)
        assert not english.findall(text), (lang, english.findall(text))


def test_a_withdrawn_states_arrears_stand_apart_from_the_states_parties(event_log):
    """Lithuania's withdrawal took effect on 6 March 2025: in 2026 it is billed nothing and
    chased for its arrears alone. The report counts the States Parties of the year (the
    registry's 112 in 2026) without it, and lists its arrears apart; the years it owes are
    the ones its payments, oldest first, have not covered."""
    from domain.contributions import years_owed
    from domain.states import registry
    from services.reports import summary

    assert sum(1 for s in registry() if s.party_during(2026)) == 112
    assert not registry().get("LTU").party_during(2026)
    earlier = {year: Chases(event_log, year) for year in (2024, 2025)}
    earlier[2024].start("LTU", "900.00", at(1, 11, 2024))
    earlier[2025].start("LTU", "800.00", at(1, 11, 2025))
    # 950.00 paid in 2025: 2024's 900.00 first, then 50.00 of 2025's.
    receipt = RecordReceipt(amount=Decimal("950.00"), date=date(2025, 2, 1))
    earlier[2025].command("LTU", "record_receipt", receipt, at(2, 1, 2025))
    now = Chases(event_log, 2026)
    now.start("DEU", "43650.00", at(1, 11, 2026))
    now.start("NOR", "10000.00", at(1, 11, 2026))
    now.start("LTU", "0.00", at(1, 11, 2026), arrears="750.00")
    now.command(
        "NOR", "record_receipt", RecordReceipt(amount=Decimal("10000.00"), date=date(2026, 3, 1)), at(3, 1, 2026)
    )
    report = fold_contributions(event_log.query(), 2026)
    assert [s.state for s in report.former] == ["LTU"] and {s.state for s in report.parties} == {"DEU", "NOR"}
    assert report.contributed_text == "1 of 2 States Parties have contributed (1 in full)"
    assert "arrears of States that have withdrawn: LTU (CHF 750.00 outstanding)" in summary(report)
    assert years_owed(event_log.query(), "LTU", 2026) == [2025]


def test_the_presidents_letters_go_to_the_states_that_sent_nothing_as_the_minutes_count_them(event_log):
    """'individual letters … to all States that had still not sent their contributions':
    100 - 24 = 76 in the minutes. Italy (its pledge) and Peru (its reported payment) are
    among them but listed apart for the Presidency; the States that paid part (Germany
    among them) are not written to."""
    from importlib import resources

    from domain.contributions import ledger_events
    from domain.states import registry
    from services.fulfilment import presidents_lists

    data = resources.files("domain").joinpath("data/demo_ledger_2016.csv").read_bytes()
    event_log.append_all(ledger_events(data, 2016, registry(), "demo ledger", "isu"))
    lists = presidents_lists(fold_contributions(event_log.query(), 2016, as_of=date(2016, 11, 4)))
    assert len(lists["states"]) + len(lists["pledged"]) + len(lists["reported"]) == 100 - 24
    assert (lists["pledged"], lists["reported"]) == (["ITA"], ["PER"])
    assert "DEU" in lists["partial"] and not set(lists["partial"]) & set(lists["states"])
    assert len(lists["states"]) == 74


def test_the_demos_2016_record_counts_the_three_letters_the_minutes_name(event_log, tmp_path):
    """'three reminders had already been sent to States in 2016 … one letter had been sent in
    January, one in June and one just before the 6MSP': imported, the 2016 report counts them."""
    from importlib import resources

    from domain.contributions import ledger_events, letter_events
    from domain.states import registry
    from runtime.demo import letters_2016_csv

    data = resources.files("domain").joinpath("data/demo_ledger_2016.csv").read_bytes()
    event_log.append_all(ledger_events(data, 2016, registry(), "demo ledger", "isu"))
    billed = {e.subject for e in event_log.query(event_type="chase.imported")}
    event_log.append_all(letter_events(letters_2016_csv(event_log, tmp_path), 2016, registry(), billed, "demo", "isu"))
    report = fold_contributions(event_log.query(), 2016, as_of=date(2016, 11, 4))
    letters = {s.state: s.letters for s in report.states}
    # Afghanistan paid nothing: all three; every State had the call.
    assert letters["AFG"] == 3 and min(letters.values()) == 1 and len(letters) == 100
    assert sorted(set(letters.values())) == [1, 2, 3]
