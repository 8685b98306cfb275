"""Money by line over several years (hypothesis): receipts as the payer splits them or by
the default rule, reversals, corrections of the amount due and overpayments (a credit, or a
voluntary contribution), each year's outstanding carried as the next year's arrears and its
credit as the next year's credit. Per line and in total, to the centime:

- every receipt's parts make the receipt; the report's lines, the arrears, the credit, the
  voluntary parts and what no line took make what was received;
- per line, what the rule allocates never passes what the call indicated on it;
- closing = opening + indicated - received: each year's outstanding less its credit is its
  arrears and amount due less what was paid towards them (the credit carried in counting
  as paid), and over the years nothing is lost."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.chase import Chase, ChaseInput, CorrectDue, RecordReceipt, ReverseReceipt
from domain.contributions import ARREARS, CREDIT, BudgetLine, fold_contributions, split_by_line, voluntary_above
from domain.process import Log, Refusal

BUDGET = [
    BudgetLine(line="7a", amount=Decimal("40000.00"), kind="mandatory"),
    BudgetLine(line="7b", amount=Decimal("25000.00"), kind="voluntary"),
    BudgetLine(line="7c", amount=Decimal("35000.00"), kind="voluntary"),
]
ZERO = Decimal("0.00")
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9000"), places=2)
command = st.one_of(
    st.tuples(st.just("rule"), money, st.sampled_from(["credit", "voluntary"])),
    st.tuples(st.just("payer"), money, st.sampled_from(["7a", "7b", "7c", "arrears"]), st.integers(1, 99)),
    st.tuples(st.just("line"), money, st.sampled_from(["7a", "7b", "7c"])),
    st.tuples(st.just("reverse"), st.integers(1, 8)),
    st.tuples(st.just("correct"), st.decimals(min_value=Decimal("100"), max_value=Decimal("20000"), places=2)),
)


class Row:
    """An effect as a log row, for `fold_contributions`."""

    def __init__(self, wid: str, effect, at: datetime):
        self.workflow_id, self.event_type, self.payload, self.occurred_at = wid, effect.event_type, effect.payload, at


def apply(chase: Chase, cmd: tuple, now: datetime) -> list:
    kind, *args = cmd
    day = now.date()
    try:
        if kind == "rule":
            return chase.record_receipt(RecordReceipt(amount=args[0], date=day, excess=args[1]), now)
        if kind == "payer":  # the payer splits it between two keys: one named, the rest on 7a
            amount, key, percent = args
            part = (amount * percent / 100).quantize(Decimal("0.01"))
            lines = {key: part, "7a": amount - part} if key != "7a" and 0 < part < amount else {key: amount}
            return chase.record_receipt(RecordReceipt(amount=amount, date=day, lines=lines), now)
        if kind == "line":
            return chase.record_receipt(RecordReceipt(amount=args[0], date=day, budget_line=args[1]), now)
        if kind == "reverse":
            return chase.reverse_receipt(ReverseReceipt(number=args[0], reason="booked twice"), now)
        return chase.correct_due(CorrectDue(amount=args[0], reason="the scale was revised"), now)
    except Refusal:
        return []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dues=st.lists(st.decimals(min_value=Decimal("1000"), max_value=Decimal("15000"), places=2), min_size=2, max_size=4),
    years=st.lists(st.lists(command, max_size=8), min_size=4, max_size=4),
)
def test_closing_is_opening_plus_indicated_less_received_per_line_and_in_total(dues, years):
    arrears = credit = ZERO
    billed = paid_towards = ZERO
    for n, due in enumerate(dues):
        year = 2030 + n
        split = split_by_line(due, BUDGET)
        inp = ChaseInput(
            state="ITA", year=year, amount_due=due, arrears=arrears, credit_carried=credit, budget_split=split
        )
        chase = Chase(input=inp, started_at=datetime(year, 1, 15, 9, tzinfo=timezone.utc))
        now = datetime(year, 3, 1, 9, tzinfo=timezone.utc)
        wid = f"chase-{year}-ITA"
        rows = [Row(wid, e, now) for e in chase.start() if isinstance(e, Log)]
        for cmd in years[n]:
            rows += [Row(wid, e, now) for e in apply(chase, cmd, now) if isinstance(e, Log)]
        standing = [r for r in chase.receipts if not r.reversed]

        # Every receipt's parts make it.
        for r in standing:
            assert sum(r.allocation.values(), ZERO) in (r.amount, ZERO), r
        # The call's shares make the amount due, corrected or not.
        assert sum((s.amount for s in chase.input.budget_split), ZERO) == chase.input.amount_due
        # The rule never puts more on a line than the call indicated there (a correction may
        # lower the share below what was paid on it before).
        if not any(cmd[0] == "correct" for cmd in years[n]):
            ruled = [r for r in standing if not r.lines and not r.budget_line]
            for share in chase.input.budget_split:
                assert sum((r.allocation.get(share.line, ZERO) for r in ruled), ZERO) <= share.amount
        # In total: closing = opening + indicated - received.
        voluntary = sum((voluntary_above(r.allocation) for r in standing), ZERO)
        received = sum((r.amount for r in standing), ZERO)
        assert chase.voluntary == voluntary
        opening = arrears - credit
        assert chase.outstanding - chase.credit == opening + chase.input.amount_due - (received - voluntary)

        # The report, folded from the rows alone, says the same, and its lines make the total.
        report = fold_contributions(rows, year, None, [b.model_copy() for b in BUDGET])
        [state] = report.states
        assert (state.received, state.outstanding, state.credit, state.voluntary) == (
            received,
            chase.outstanding,
            chase.credit,
            voluntary,
        )
        by_line = sum((b.received for b in report.budget_lines), ZERO)
        assert by_line + report.received_on(ARREARS) + report.received_on(CREDIT) + report.unassigned_receipts == (
            received
        )
        assert sum((b.above for b in report.budget_lines), ZERO) == voluntary

        billed += chase.input.amount_due
        paid_towards += received - voluntary
        arrears, credit = chase.outstanding, chase.credit  # carried into the next year
    # Over the years nothing is lost: what is still owed, less the credit, is all that was
    # billed less all that was paid towards it.
    assert arrears - credit == billed - paid_towards


def test_a_corrected_amount_keeps_its_lines_in_proportion():
    inp = ChaseInput(
        state="ITA", year=2030, amount_due=Decimal("10000.00"), budget_split=split_by_line(Decimal("10000.00"), BUDGET)
    )
    chase = Chase(input=inp, started_at=datetime(2030, 1, 15, 9, tzinfo=timezone.utc))
    chase.correct_due(CorrectDue(amount=Decimal("5000.01"), reason="scale"), datetime(2030, 2, 1, tzinfo=timezone.utc))
    assert {s.line: s.amount for s in chase.input.budget_split} == {
        "7a": Decimal("2000.00"),
        "7b": Decimal("1250.00"),
        "7c": Decimal("1750.01"),
    }
