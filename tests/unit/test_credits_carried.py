"""Balances carried from year to year: an unpaid balance is next year's arrears and a
credit next year's opening credit, so that over any history of receipts, reversals and
corrections nothing is lost and nothing is counted twice."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.chase import Chase, ChaseInput
from domain.contributions import fold_contributions
from domain.cycle import carried
from domain.process import Letter, Log
from tests.unit.test_chase_properties import amounts, apply, fire_until

ZERO = Decimal("0.00")
commands = st.one_of(
    st.tuples(st.just("receipt"), amounts, st.sampled_from(["", "UBS-1", "UBS-2"]), st.just("7a")),
    st.tuples(st.just("reverse"), st.sampled_from(["", "UBS-1"]), st.integers(1, 4)),
    st.tuples(st.just("correct"), amounts),
    st.tuples(st.just("wait"), st.integers(1, 120)),
)
years = st.lists(st.tuples(st.one_of(st.just(ZERO), amounts), st.lists(commands, max_size=10)), min_size=1, max_size=4)


def as_events(state: str, year: int, effects: list, when: datetime) -> list:
    """The chase's effects as the log's rows (what `fold_contributions` reads)."""
    return [
        SimpleNamespace(
            workflow_id=f"chase-{year}-{state}", event_type=e.event_type, payload=e.payload, occurred_at=when
        )
        for e in effects
        if isinstance(e, (Log, Letter))
    ]


def run_year(state: str, year: int, due: Decimal, arrears: Decimal, credit: Decimal, script: list):
    start = datetime(year, 1, 15, 9, tzinfo=timezone.utc)
    chase = Chase(
        input=ChaseInput(state=state, year=year, amount_due=due, arrears=arrears, credit_carried=credit),
        started_at=start,
    )
    effects, now = chase.start(), start
    for command in script:
        if command[0] == "wait":
            now = min(now + timedelta(days=command[1]), datetime(year, 12, 30, tzinfo=timezone.utc))
            effects += fire_until(chase, now)
        elif not chase.finished:
            effects += apply(chase, command, now)
    effects += fire_until(chase, datetime(year + 1, 1, 2, tzinfo=timezone.utc))
    assert chase.finished
    return chase, as_events(state, year, effects, now)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=years, first_due=amounts)
def test_the_balance_carried_each_year_is_exact(history, first_due):
    arrears, credit, owed = ZERO, ZERO, ZERO  # owed: every amount due less every franc received
    for n, (due, script) in enumerate(history):
        year = 2027 + n
        due = due if n else first_due
        if due + arrears == 0:  # nothing to chase: the credit waits for a year that bills
            continue
        chase, events = run_year("ITA", year, due, arrears, credit, script)
        owed += chase.input.amount_due - chase.received  # a correction changes what the year bills
        report = fold_contributions(events, year)
        row = report.states[0]
        assert (row.outstanding, row.credit) == (chase.outstanding, chase.credit)  # the log says what the chase does
        arrears_by, credits_by = carried(report)
        arrears, credit = arrears_by.get("ITA", ZERO), credits_by.get("ITA", ZERO)
        # closing = opening + due - received, to the centime
        assert arrears - credit == row.arrears - row.credit_carried + chase.input.amount_due - chase.received
        assert min(arrears, credit) == 0
    assert arrears - credit == owed  # over the whole history, nothing lost, nothing twice


def test_a_credit_carried_is_counted_as_paid_and_shown_in_the_call():
    chase = Chase(
        input=ChaseInput(state="CHL", year=2017, amount_due=Decimal("5000"), credit_carried=Decimal("11965.52")),
        started_at=datetime(2017, 1, 15, 9, tzinfo=timezone.utc),
    )
    effects = chase.start()
    assert chase.outcome == "paid" and chase.credit == Decimal("6965.52") and chase.outstanding == ZERO
    assert not [e for e in effects if isinstance(e, Letter)]  # nothing to ask for
    paid = next(e for e in effects if isinstance(e, Log) and e.event_type == "chase.paid")
    assert paid.payload["covered_by_credit_carried"] == "11965.52"
    part = Chase(
        input=ChaseInput(
            state="CHL",
            year=2017,
            amount_due=Decimal("20000"),
            credit_carried=Decimal("11965.52"),
            membership_rule="any-day",
        ),
        started_at=datetime(2017, 1, 15, 9, tzinfo=timezone.utc),
    )
    call = next(e for e in part.start() if isinstance(e, Letter))
    assert call.context["credit_carried"] == "11965.52" and call.context["outstanding"] == "8034.48"
    assert call.context["membership_rule"] == "any-day"
    assert part.status().credit_carried == Decimal("11965.52")


def test_the_report_and_the_status_show_the_credit_carried():
    from services.reports import REPORT_COLUMNS, report_rows

    chase, events = run_year("CHL", 2017, Decimal("20000"), ZERO, Decimal("11965.52"), [])
    report = fold_contributions(events, 2017)
    rows = report_rows(report, totals=True)
    assert "credit_carried" in REPORT_COLUMNS and Decimal(rows[0]["credit_carried"]) == Decimal("11965.52")
    assert Decimal(rows[-1]["credit_carried"]) == Decimal("11965.52")
    assert Decimal(rows[0]["outstanding"]) == Decimal("8034.48")
    assert Decimal(chase.status().row()["credit_carried"]) == Decimal("11965.52")


def test_an_amount_is_split_by_budget_line_to_the_centime():
    from domain.contributions import read_budget, split_by_line

    lines = read_budget("line,amount,kind\n7a,191200,mandatory\n7b,113000,voluntary\n7c,173800,voluntary\n")
    shares = split_by_line(Decimal("36516.07"), lines)
    assert [(s.line, s.kind) for s in shares] == [("7a", "mandatory"), ("7b", "voluntary"), ("7c", "voluntary")]
    assert sum(s.amount for s in shares) == Decimal("36516.07")
    assert shares[0].amount == Decimal("14606.43")  # 40 %, the part that is not voluntary
    assert split_by_line(Decimal("100"), []) == []
