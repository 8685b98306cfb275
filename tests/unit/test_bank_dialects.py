"""Every dialect the ISU's banks write is read with no line lost: camt.053 and camt.054 in
versions .02, .04 and .08 (checked against their XSD), a Swiss BVR/QR batch, and MT940 as
ING, ABN AMRO, Rabobank, PostFinance and mBank write it (`tests/dialects.py`)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bank import creditor_reference, read_statement
from tests.dialects import MT940_DIALECTS, Batch, camt
from tests.statements import Line, camt053, xsd

DAY = date(2027, 3, 1)
ITA = creditor_reference(2027, "ITA")


@pytest.mark.parametrize("version", ["02", "04", "08"])
@pytest.mark.parametrize("kind", ["camt.053", "camt.054"])
def test_camt_of_every_version_reads_to_every_line_batches_included(kind, version):
    items = [
        Line("E1", "38486", DAY, reference=ITA, debtor="Ministero degli Affari Esteri"),
        Batch("B1", DAY, [Line("B1-1", "100", DAY, text="Norway 2027"), Line("B1-2", "200", DAY, text="Chile")]),
        Line("E3", "9.50", DAY, credit=False, text="Account fee"),
    ]
    data = camt(kind, version, items, opening=Decimal("1000"))
    xmlschema.XMLSchema(xsd(f"{kind}.001.{version}")).validate(data.decode())
    statement = read_statement(data)
    assert [(e.amount, e.credit) for e in statement.entries] == [
        (Decimal("38486.00"), True),
        (Decimal("100.00"), True),
        (Decimal("200.00"), True),
        (Decimal("9.50"), False),
    ]
    assert statement.entries[0].creditor_reference == ITA and statement.entries[0].debtor.startswith("Ministero")
    assert [e.ref for e in statement.entries] == ["E1", "B1-1", "B1-2", "E3"]
    if kind == "camt.053":
        assert (statement.opening, statement.closing) == (Decimal("1000.00"), Decimal("39776.50"))


def test_a_swiss_qr_batch_repeating_its_package_id_gives_every_credit_its_own_name():
    qrr = ["210000000003139471430009017", "210000000003139471430009018"]
    items = [
        Batch(
            "PKG-20270301-1",
            DAY,
            [Line("", "150", DAY, reference=qrr[0]), Line("", "150", DAY, reference=qrr[1])],
            package_id=True,
        )
    ]
    data = camt("camt.054", "08", items)
    xmlschema.XMLSchema(xsd("camt.054.001.08")).validate(data.decode())
    entries = read_statement(data).entries
    assert [(e.amount, e.creditor_reference, e.bank_reference) for e in entries] == [
        (Decimal("150.00"), qrr[0], "PKG-20270301-1"),
        (Decimal("150.00"), qrr[1], "PKG-20270301-1"),
    ]
    assert len({e.ref for e in entries}) == 2 and all(e.ref.startswith("h-") for e in entries)


@pytest.mark.parametrize("bank", list(MT940_DIALECTS))
def test_mt940_as_each_bank_writes_it_reads_every_line_and_reconciles(bank):
    write = MT940_DIALECTS[bank]
    lines = [
        Line("", "500", DAY, reference=ITA),
        Line("", "250", DAY, text="Norway contribution 2027"),
        Line("", "9.50", DAY, credit=False, text="Fee"),
    ]
    statement = read_statement(write(lines, opening=Decimal("100")))
    assert [(e.amount, e.credit) for e in statement.entries] == [
        (Decimal("500.00"), True),
        (Decimal("250.00"), True),
        (Decimal("9.50"), False),
    ]
    assert statement.entries[0].creditor_reference == ITA and "Norway" in statement.entries[1].remittance
    assert (statement.opening, statement.closing) == (Decimal("100.00"), Decimal("840.50"))
    assert len({e.ref for e in statement.entries}) == 3
    assert [e.ref for e in read_statement(write(lines, opening=Decimal("100"))).entries] == [
        e.ref for e in statement.entries
    ]  # the same file again: the same names


@pytest.mark.parametrize("bank", list(MT940_DIALECTS))
def test_the_next_days_statement_with_the_same_header_names_its_lines_anew(bank):
    """ING writes `:20:MPBZ` and ABN AMRO `:20:ABN AMRO BANK NV` every day: the second
    day's payment of the same amount is a line of its own, never the first day's."""
    write = MT940_DIALECTS[bank]
    first = read_statement(write([Line("", "90", DAY, text="Contribution")])).entries
    second = read_statement(
        write([Line("", "90", DAY + timedelta(days=1), text="Contribution")], opening=Decimal("90"))
    ).entries
    assert first[0].ref != second[0].ref


lines_strategy = st.lists(
    st.tuples(
        st.integers(1, 10_000_000),
        st.integers(0, 27),
        st.booleans(),
        st.sampled_from(["", "NONREF", "R"]),
        st.sampled_from(["", "Norway 2027", "fee", "Contribution"]),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda t: (t[0], t[1], t[4]),
)


@settings(max_examples=150, deadline=None)
@given(rows=lines_strategy, cut=st.integers(0, 12), data=st.data())
def test_any_statement_split_reordered_or_repeated_names_each_line_once_and_reconciles(rows, cut, data):
    """Over generated statements: every line is read; what they move is the closing balance
    less the opening; a line keeps its name when the statement is reordered, imported
    again, or split in two; no two lines share one."""
    lines = [
        Line(
            f"{ref}{n}" if ref == "R" else ref,
            Decimal(cents) / 100,
            DAY + timedelta(days=day),
            credit=credit,
            text=text,
        )
        for n, (cents, day, credit, ref, text) in enumerate(rows)
    ]
    whole = read_statement(camt053(lines, opening=Decimal("500")))
    assert len(whole.entries) == len(lines) and len({e.ref for e in whole.entries}) == len(lines)
    moved_ = sum((e.amount if e.credit else -e.amount for e in whole.entries), Decimal(0))
    assert whole.closing - whole.opening == moved_
    shuffled = data.draw(st.permutations(lines))
    assert {e.ref for e in read_statement(camt053(shuffled, "STMT-2", opening=Decimal("500"))).entries} == {
        e.ref for e in whole.entries
    }
    cut = min(cut, len(lines))
    parts = [p for p in (lines[:cut], lines[cut:]) if p]
    named = set()
    opening = Decimal("500")
    for n, part in enumerate(parts):
        statement = read_statement(camt053(part, f"PART-{n}", opening=opening))
        opening = statement.closing
        named |= {e.ref for e in statement.entries}
    assert named == {e.ref for e in whole.entries}
