"""What the annual cycle starts each year from: whom it bills, the amounts, and what last
year left: arrears and credits."""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from temporalio.exceptions import ApplicationError

from activities.records import cycle_amounts
from domain.cycle import CycleInput
from domain.events import NewEvent


def chase_events(state: str, year: int, due: str, receipts: list[str], waived: str = "") -> list[NewEvent]:
    """A year's chase as the ContributionChase writes it (its aggregate's rows): started,
    its receipts in March, waived in June where `waived` gives the reason."""
    from domain.chase import Chase, ChaseInput, Close, RecordReceipt
    from tests.produced import logged

    start = datetime(year, 1, 15, 9, tzinfo=timezone.utc)
    chase = Chase(
        input=ChaseInput(state=state, year=year, amount_due=Decimal(due), msp_date=date(year, 9, 1)), started_at=start
    )
    rows = logged(f"chase-{year}-{state}", "ContributionChase", state, chase.start(), start)
    for n, amount in enumerate(receipts, start=1):
        day = datetime(year, 3, n + 1, 9, tzinfo=timezone.utc)
        rows += logged(
            f"chase-{year}-{state}",
            "ContributionChase",
            state,
            chase.record_receipt(
                RecordReceipt(amount=Decimal(amount), date=day.date(), budget_line="7a", reference=f"R{n}"), day
            ),
            day,
        )
    if waived:
        day = datetime(year, 6, 1, 9, tzinfo=timezone.utc)
        rows += logged(
            f"chase-{year}-{state}",
            "ContributionChase",
            state,
            chase.close("waived", Close(reason=waived, office="president")),
            day,
        )
    return rows


def test_last_years_unpaid_balances_become_arrears_and_its_credits_opening_credits(event_log):
    event_log.append_all(
        chase_events("ITA", 2016, "5000.00", ["3800.00"])
        + chase_events("DEU", 2016, "65604.00", ["65604.00"])
        + chase_events("CHL", 2016, "2000.00", ["13965.52"])
    )
    result = cycle_amounts(event_log, CycleInput(amounts_csv="state,amount\nITA,38486\nDEU,65604\nCHL,1\n", year=2017))
    assert result.amounts == {"ITA": Decimal("38486.00"), "DEU": Decimal("65604.00"), "CHL": Decimal("1.00")}
    assert result.arrears == {"ITA": Decimal("1200.00")}
    assert result.credits == {"CHL": Decimal("11965.52")}
    assert cycle_amounts(event_log, CycleInput(amounts_csv="state,amount\nITA,1\n", year=2018)).arrears == {}


def test_a_year_is_billed_by_the_un_scale_of_its_period_with_no_scale_given(event_log):
    result = cycle_amounts(event_log, CycleInput(budget="500000", year=2017))
    # 2017: the 100 States Parties of 2016 and Madagascar, in force from 1 November 2017
    assert len(result.amounts) == 101 and sum(result.amounts.values()) == Decimal("500000.00")
    assert (result.period, result.scale_source) == ("2016-2018", "A/RES/70/245")
    assert result.rates["DEU"] == "6.389" and result.rates["VAT"] is None


def test_the_years_budget_file_gives_the_lines_each_call_is_split_by(event_log, tmp_path):
    budget = tmp_path / "budget-2026.csv"
    budget.write_text("line,amount,kind\n7a,400000,mandatory\n7b,600000,voluntary\n")
    result = cycle_amounts(event_log, CycleInput(budget="1000000", year=2026), budget_file=budget)
    assert [(b.line, b.kind) for b in result.budget_lines] == [("7a", "mandatory"), ("7b", "voluntary")]
    assert (
        cycle_amounts(
            event_log, CycleInput(budget="1000000", year=2026), budget_file=tmp_path / "none.csv"
        ).budget_lines
        == []
    )
    budget.write_text("line,amount,kind\n7z,1,mandatory\n")
    with pytest.raises(ApplicationError, match="unknown budget line '7z'") as err:
        cycle_amounts(event_log, CycleInput(budget="1000000", year=2026), budget_file=budget)
    assert err.value.non_retryable


def test_a_withdrawn_state_is_not_billed_but_its_arrears_are_chased(event_log):
    event_log.append_all(chase_events("LTU", 2025, "3000.00", ["1000.00"]))
    result = cycle_amounts(event_log, CycleInput(budget="1000000", year=2026))
    assert "LTU" not in result.amounts and result.arrears["LTU"] == Decimal("2000.00")
    assert "LTU" in result.chased() and "VUT" in result.amounts
    assert "withdrawal took effect on 2025-03-06" in result.not_billed["LTU"]
    assert len(result.amounts) == 112 and result.names["SWZ"] == "Eswatini"
    later = cycle_amounts(event_log, CycleInput(budget="1000000", year=2026, membership_rule="1-january"))
    assert "VUT" not in later.amounts and "billed from 2027" in later.not_billed["VUT"]


def test_a_waived_balance_is_not_carried_but_a_credit_always_is(event_log):
    event_log.append_all(
        chase_events("FRA", 2025, "100.00", ["150.00"])
        + chase_events("BEL", 2025, "900.00", [], waived="decided by the MSP")
    )
    result = cycle_amounts(event_log, CycleInput(budget="1000000", year=2026))
    assert result.credits == {"FRA": Decimal("50.00")} and "BEL" not in result.arrears


def test_a_configuration_that_cannot_work_fails_without_retrying(event_log):
    with pytest.raises(ApplicationError, match="unknown State 'Atlantis'") as err:
        cycle_amounts(event_log, CycleInput(amounts_csv="state,amount\nAtlantis,5\n", year=2017))
    assert err.value.non_retryable
    # A year no scale covers is the world's gap, not a configuration's: said, not failed.
    missing = cycle_amounts(event_log, CycleInput(budget="1000", year=2021))
    assert missing.amounts == {} and "ccm data add-scale" in missing.missing
    assert missing.missing.startswith("no one is billed for 2021: no shipped UN scale covers 2021")
