"""A receipt by budget line (`domain.contributions.allocate`, `Chase.allocation_of`): as the
payer says, else arrears first, the non-voluntary line next, the voluntary lines in
proportion to what is still indicated, and what is left a credit. The parts always sum to
the receipt, and a line never takes more than its share unless the payer says so."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.chase import Chase, ChaseInput, RecordReceipt, ReverseReceipt
from domain.contributions import ARREARS, CREDIT, BudgetLine, BudgetShare, allocate, fold_contributions, split_by_line
from domain.event_types import payload_of
from domain.refusal import Refusal

# The ISU's budget for 2017 as its financial decision lays it out: 7a the Meetings of States
# Parties (not voluntary), 7b and 7c the Unit's work (voluntary, indicative).
BUDGET = [
    BudgetLine(line="7a", amount=Decimal("200000.00"), kind="mandatory"),
    BudgetLine(line="7b", amount=Decimal("300000.00"), kind="voluntary"),
    BudgetLine(line="7c", amount=Decimal("500000.00"), kind="voluntary"),
]
CALL = split_by_line(Decimal("137870.80"), BUDGET)  # a State billed 13.787 % of a CHF 1 m budget
NOW = datetime(2017, 3, 1, 9, tzinfo=timezone.utc)


def parts(**kw: str) -> dict[str, Decimal]:
    return {k.replace("_", ""): Decimal(v) for k, v in kw.items()}


def test_the_whole_amount_fills_each_line_as_the_call_itemised_it():
    assert allocate(Decimal("137870.80"), CALL, Decimal("0"), {}) == {s.line: s.amount for s in CALL}
    assert {s.line: str(s.amount) for s in CALL} == {"7a": "27574.16", "7b": "41361.24", "7c": "68935.40"}


def test_a_part_payment_goes_to_arrears_then_the_non_voluntary_line_then_in_proportion():
    assert allocate(Decimal("500.00"), CALL, Decimal("800.00"), {}) == {ARREARS: Decimal("500.00")}
    assert allocate(Decimal("10000.00"), CALL, Decimal("800.00"), {}) == {
        ARREARS: Decimal("800.00"),
        "7a": Decimal("9200.00"),
    }
    # 7a filled, then 10,000 over 7b and 7c as 41,361.24 to 68,935.40 (3 to 5)
    assert allocate(Decimal("37574.16"), CALL, Decimal("0"), {}) == {
        "7a": Decimal("27574.16"),
        "7b": Decimal("3750.00"),
        "7c": Decimal("6250.00"),
    }


def test_what_earlier_receipts_paid_is_not_paid_again_and_the_excess_is_a_credit():
    taken = {"7a": Decimal("27574.16"), "7b": Decimal("41361.24")}
    assert allocate(Decimal("70000.00"), CALL, Decimal("0"), taken) == {
        "7c": Decimal("68935.40"),
        CREDIT: Decimal("1064.60"),
    }


shares = st.lists(
    st.tuples(st.sampled_from(["mandatory", "voluntary"]), st.decimals(min_value=0, max_value=100_000, places=2)),
    min_size=1,
    max_size=3,
)
money = st.decimals(min_value=Decimal("0.01"), max_value=200_000, places=2)


@settings(max_examples=500, deadline=None)
@given(split=shares, arrears=st.decimals(min_value=0, max_value=5_000, places=2), receipts=st.lists(money, max_size=6))
def test_parts_sum_to_each_receipt_and_no_line_takes_more_than_its_share(split, arrears, receipts):
    call = [BudgetShare(line=f"7{'abc'[n]}", kind=kind, amount=amount) for n, (kind, amount) in enumerate(split)]
    taken: dict[str, Decimal] = {}
    for amount in receipts:
        got = allocate(amount, call, arrears, taken)
        assert sum(got.values()) == amount and all(part > 0 for part in got.values())
        for line, part in got.items():
            taken[line] = taken.get(line, Decimal("0")) + part
    for share in call:
        assert taken.get(share.line, Decimal("0")) <= share.amount
    assert taken.get(ARREARS, Decimal("0")) <= arrears
    if taken.get(CREDIT):  # a credit only once everything due is paid
        assert all(taken.get(s.line) == s.amount for s in call if s.amount)
    # The non-voluntary lines and the arrears fill before any voluntary line takes a centime.
    if any(taken.get(s.line) for s in call if s.kind == "voluntary"):
        assert all(taken.get(s.line, Decimal("0")) == s.amount for s in call if s.kind == "mandatory")


def chase(arrears: str = "0") -> Chase:
    inp = ChaseInput(
        state="DEU", year=2017, amount_due=Decimal("137870.80"), arrears=Decimal(arrears), budget_split=CALL
    )
    return Chase(input=inp, started_at=datetime(2017, 1, 16, 9, tzinfo=timezone.utc))


def receipt(amount: str, ref: str, **kw) -> RecordReceipt:
    return RecordReceipt(amount=Decimal(amount), date=date(2017, 3, 1), reference=ref, **kw)


class Row:
    """A log row as fold_contributions reads it."""

    def __init__(self, seq, effect):
        self.seq, self.event_type, self.payload = seq, effect.event_type, effect.payload
        self.workflow_id, self.occurred_at = "chase-2017-DEU", NOW
        self.actor = self.office = ""


def report_of(c: Chase, rows: list):
    """The year's report folded from the chase's start and `rows`, as the log holds them."""
    started = next(e for e in c.start() if getattr(e, "event_type", "") == "chase.started")
    return fold_contributions([Row(0, started)] + [Row(n, e) for n, e in enumerate(rows, 1)], 2017, None, BUDGET)


def logged(effects) -> dict:
    [row] = [e for e in effects if getattr(e, "event_type", "") == "chase.receipt_recorded"]
    return payload_of(row.event_type, row.payload).model_dump()


def test_a_chase_logs_each_receipts_parts_and_who_said_them():
    c = chase(arrears="1000.00")
    first = logged(c.record_receipt(receipt("20000.00", "DE-1"), NOW))
    assert first["lines"] == {ARREARS: Decimal("1000.00"), "7a": Decimal("19000.00")}
    assert first["allocated_by"] == "rule"
    said = logged(c.record_receipt(receipt("5000.00", "DE-2", lines=parts(_7c="5000.00")), NOW))
    assert said["lines"] == {"7c": Decimal("5000.00")} and said["allocated_by"] == "payer"
    one = logged(c.record_receipt(receipt("100.00", "DE-3", budget_line="7b"), NOW))
    assert one["lines"] == {"7b": Decimal("100.00")} and one["allocated_by"] == "line"
    # The rule counts what the payer's parts already paid: 7a's rest first.
    rest = logged(c.record_receipt(receipt("10000.00", "DE-4"), NOW))
    assert rest["lines"]["7a"] == Decimal("8574.16")


def test_a_reversal_takes_back_the_same_parts_and_the_report_sums_by_line():
    c = chase()
    rows = []
    for effects in (
        c.record_receipt(receipt("137870.80", "DE-1"), NOW),
        c.record_receipt(receipt("5000.00", "DE-2"), NOW),  # above the call: a credit
        c.reverse_receipt(ReverseReceipt(number=1, reason="booked twice by the bank"), NOW),
        c.record_receipt(receipt("27574.16", "DE-3"), NOW),
    ):
        rows += [e for e in effects if getattr(e, "event_type", "")]
    reversed_row = next(r for r in rows if r.event_type == "chase.receipt_reversed")
    assert payload_of(reversed_row.event_type, reversed_row.payload).lines == {s.line: s.amount for s in CALL}
    # The second receipt keeps its parts (a credit, as recorded); the third is allocated anew.
    third = logged([rows[-1]])
    assert third["lines"] == {"7a": Decimal("27574.16")}

    report = report_of(c, rows)
    by_line = {b.line: b.received for b in report.budget_lines}
    assert by_line == {"7a": Decimal("27574.16"), "7b": Decimal("0"), "7c": Decimal("0")}
    received = sum((r.amount for r in report.receipts), Decimal("0"))
    assert received == Decimal("32574.16")
    assert report.received_on(CREDIT) == Decimal("5000.00") and report.unassigned_receipts == 0
    # The lines, the arrears, the credit and what no line took: the total, to the centime.
    rest = report.received_on(ARREARS) + report.received_on(CREDIT) + report.unassigned_receipts
    assert sum(by_line.values()) + rest == received


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"lines": parts(_7a="10.00")}, "add up to 10.00, not to the amount 20.00"),
        ({"lines": parts(_7d="20.00")}, "unknown line '7d'"),
        ({"lines": parts(_7a="20.00"), "budget_line": "7a"}, "one budget line or the parts by line"),
        ({"lines": parts(_7a="25.00", _7b="-5.00")}, "must be positive"),
    ],
)
def test_parts_that_do_not_make_the_amount_are_refused_where_they_enter(kw, message):
    with pytest.raises(ValidationError, match=message):
        receipt("20.00", "X", **kw)


def test_an_excess_given_as_voluntary_goes_to_a_voluntary_line_and_is_no_credit():
    c = chase()
    whole = logged(c.record_receipt(receipt("137870.80", "DE-1"), NOW))
    assert whole["excess"] == "credit" and CREDIT not in whole["lines"]
    more = logged(c.record_receipt(receipt("5000.00", "DE-2", excess="voluntary"), NOW))
    assert more["lines"] == {"7c+": Decimal("5000.00")} and more["excess"] == "voluntary"
    named = logged(c.record_receipt(receipt("300.00", "DE-3", excess="voluntary", excess_line="7b"), NOW))
    assert named["lines"] == {"7b+": Decimal("300.00")}
    # Paid in full, and nothing carried: the voluntary parts are not a credit.
    assert c.outstanding == 0 and c.credit == 0 and c.voluntary == Decimal("5300.00")
    credited = logged(c.record_receipt(receipt("10.00", "DE-4"), NOW))
    assert credited["lines"] == {CREDIT: Decimal("10.00")} and c.credit == Decimal("10.00")
    # Reversed, a voluntary part is no longer given.
    c.reverse_receipt(ReverseReceipt(number=2, reason="the bank booked it twice"), NOW)
    assert c.voluntary == Decimal("300.00") and c.credit == Decimal("10.00")


def test_an_excess_to_a_line_that_is_not_voluntary_is_refused():
    c = chase()
    for kw in ({"excess": "voluntary", "excess_line": "7a"}, {"excess": "credit", "excess_line": "7c"}):
        with pytest.raises(Refusal, match="cannot take an excess"):
            c.record_receipt(receipt("10.00", "X", **kw), NOW)
    assert c.receipts == []


def test_a_report_shows_a_voluntary_excess_on_its_line_and_the_lines_still_make_the_total():
    c = chase()
    rows = [
        e
        for effects in (
            c.record_receipt(receipt("137870.80", "DE-1"), NOW),
            c.record_receipt(receipt("5000.00", "DE-2", excess="voluntary"), NOW),
            c.record_receipt(receipt("700.00", "DE-3"), NOW),
        )
        for e in effects
        if getattr(e, "event_type", "")
    ]

    report = report_of(c, rows)
    seven_c = next(b for b in report.budget_lines if b.line == "7c")
    assert seven_c.received == Decimal("73935.40") and seven_c.above == Decimal("5000.00")
    [row] = report.states
    assert (row.voluntary, row.credit, row.outstanding) == (Decimal("5000.00"), Decimal("700.00"), 0)
    received = sum((r.amount for r in report.receipts), Decimal("0"))
    placed = sum((b.received for b in report.budget_lines), Decimal("0")) + report.received_on(CREDIT)
    assert placed == received == Decimal("143570.80")


@pytest.mark.parametrize(
    "text, amount, said",
    [
        # as Swiss and foreign payers write them: apostrophes, commas, a colon, an equals sign
        ("CCM ISU 2027 7a CHF 27,574.16 / 7c: 10'000", "37574.16", {"7a": "27574.16", "7c": "10000.00"}),
        ("Beitrag 2027 7a CHF 27’574.16, 7c CHF 10’000.00", "37574.16", {"7a": "27574.16", "7c": "10000.00"}),
        ("7A=27574.16;7C=10000.00", "37574.16", {"7a": "27574.16", "7c": "10000.00"}),
        ("contribution 7a 100,50 7b 99,50", "200.00", {"7a": "100.50", "7b": "99.50"}),
        # not a split the payer made: the default rule allocates
        ("RF97CCM2027ITA contribution 2027", "37574.16", {}),
        ("7a 100 7c 50", "200.00", {}),  # does not make the amount
        ("7a 100 7a 100", "200.00", {}),  # a line twice
        ("ref 17a 200", "200.00", {}),  # not a line of its own
    ],
)
def test_a_split_written_in_the_remittance_text_is_read_where_it_makes_the_amount(text, amount, said):
    from domain.bank import lines_in_remittance

    assert lines_in_remittance(text, Decimal(amount)) == {k: Decimal(v) for k, v in said.items()}
