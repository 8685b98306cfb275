"""The projection of the Unit's cash (`domain.finances`): what it counts on (a pledge in its
month, a State that owes in the month it paid last year) and when the cash runs short."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from domain.contributions import fold_contributions, ledger_events
from domain.events import NewEvent
from domain.finances import budget_event, expenditure_events, fold_finances, pledges_of
from domain.states import registry

LAST_YEAR = (
    b"state,amount_due,date,amount,reference,budget_line\nAUT,12000,2015-06-10,12000,A,\nBEL,6000,2015-12-01,6000,B,\n"
)
THIS_YEAR = b"state,amount_due,date,amount,reference,budget_line\nAUT,12000,,,,\nBEL,6000,,,,\nDNK,6000,,,,\n"
BUDGET = b"line,amount,kind\n7a,48000,mandatory\n7b,72000,voluntary\n"


def pledge(state: str, expected: date, amount: str | None) -> NewEvent:
    return NewEvent(
        idempotency_key=f"chase-2016-{state}/pledge",
        workflow_id=f"chase-2016-{state}",
        workflow_type="ContributionChase",
        subject=state,
        event_type="chase.pledged",
        occurred_at=datetime(2016, 3, 1, tzinfo=timezone.utc),
        actor="",
        office=state,
        payload={"expected_date": expected.isoformat(), "amount": amount, "note": ""},
    )


def finances(as_of: date, spent: bytes = b"date,budget_line,amount,description,document\n", pledges=()):
    rows = ledger_events(THIS_YEAR, 2016, registry(), "t", "isu", date(2016, 12, 31)) + list(pledges)
    report = fold_contributions(rows, 2016, as_of=as_of)
    last = fold_contributions(ledger_events(LAST_YEAR, 2015, registry(), "t", "isu", date(2016, 12, 31)), 2015)
    money = [
        budget_event(BUDGET, 2016, "5MSP", date(2015, 9, 4), Decimal("30000"), "t", "isu"),
        *expenditure_events(spent, "t", "isu", date(2016, 12, 31)),
    ]
    return fold_finances(money, 2016, report, last, as_of, pledges_of(rows, 2016))


def test_a_pledge_counts_in_its_month_and_a_state_in_the_month_it_paid_last_year():
    fin = finances(date(2016, 4, 30), pledges=[pledge("DNK", date(2016, 9, 20), "5000")])
    expected = [(e.state, e.month, e.amount, e.why) for e in fin.expected]
    assert expected == [
        ("AUT", date(2016, 6, 1), Decimal("12000.00"), "paid this month last year"),
        ("DNK", date(2016, 9, 1), Decimal("5000.00"), "pledge"),
        ("BEL", date(2016, 12, 1), Decimal("6000.00"), "paid this month last year"),
    ]
    # 120,000 to spend over May-December: 15,000 a month; then a twelfth (10,000).
    assert [m.spending for m in fin.projection[:1]] == [Decimal("15000.00")]
    assert fin.projection[-1].month == date(2017, 3, 1) and fin.projection[-1].spending == Decimal("10000.00")
    june = next(m for m in fin.projection if m.month == date(2016, 6, 1))
    assert june.receipts == Decimal("12000.00")
    # 30,000 carried over, nothing received or spent: short in June (30,000 - 15,000 - 15,000 + 12,000 = 12,000),
    # then July: -3,000.
    assert fin.runs_out is not None and fin.runs_out.month == date(2016, 7, 1)
    assert fin.runs_out.balance == Decimal("-3000.00")


def test_what_was_spent_is_spent_once_and_the_rest_of_the_budget_over_the_months_left():
    spent = b"date,budget_line,amount,description,document\n2016-01-31,7b,20000,x,D1\n2016-05-02,7a,1000,x,D2\n"
    fin = finances(date(2016, 4, 30), spent)
    assert fin.spent_on() == Decimal("20000.00")  # the May row comes after the day of the report
    assert fin.cash == Decimal("10000.00")
    assert fin.projection[0].spending == Decimal("12500.00")  # (120,000 - 20,000) / 8


@pytest.mark.parametrize(
    "row, message",
    [
        ("2016-02-30,7a,10,x,D", "'2016-02-30' is not a date"),
        ("2016-02-01,7d,10,x,D", "'7d' is not one of"),
        ("2016-02-01,7a,-10,x,D", "must be positive"),
        ("2016-02-01,7a,10,x,", "every row names its document"),
        ("2099-02-01,7a,10,x,D", "up to today"),
    ],
)
def test_an_expenditure_row_that_cannot_be_is_refused_with_its_line(row, message):
    with pytest.raises(ValueError, match=message):
        expenditure_events(
            f"date,budget_line,amount,description,document\n{row}\n".encode(), "t", "isu", date(2026, 1, 1)
        )


def test_the_budgets_phasing_spends_the_rest_as_it_plans_the_months():
    """Most of a year's money goes on the Meeting of States Parties in September: the
    projection spends what is left as the budget phases the months left."""
    from domain.finances import read_phasing

    phasing = read_phasing("month,percent\n" + "".join(f"{m},{'45' if m == 9 else '5'}\n" for m in range(1, 13)))
    rows = ledger_events(THIS_YEAR, 2016, registry(), "t", "isu", date(2016, 12, 31))
    report = fold_contributions(rows, 2016, as_of=date(2016, 4, 30))
    budget = budget_event(BUDGET, 2016, "5MSP", date(2015, 9, 4), Decimal("30000"), "t", "isu", phasing)
    fin = fold_finances([budget], 2016, report, None, date(2016, 4, 30))
    spending = {m.month.month: m.spending for m in fin.projection}
    # 120,000 left over May-December, weighted 5,5,5,5,45,5,5,5 of 80: 7,500 a month, 67,500 in September
    assert spending[5] == Decimal("7500.00") and spending[9] == Decimal("67500.00")
    assert sum(v for m, v in spending.items() if m >= 5) == Decimal("120000.00")
    # Then this budget's share of January to March: 5 % each.
    assert [m.spending for m in fin.projection[-3:]] == [Decimal("6000.00")] * 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("month,percent\n" + "".join(f"{m},8\n" for m in range(1, 13)), "sum to 96, not to 100"),
        ("month,percent\n13,100\n", "'13' is not a month"),
        ("month,percent\n1,-5\n", "'-5' is not a share"),
    ],
)
def test_a_phasing_that_is_not_twelve_months_making_the_year_is_refused(text, message):
    from domain.finances import read_phasing

    with pytest.raises(ValueError, match=message):
        read_phasing(text)
