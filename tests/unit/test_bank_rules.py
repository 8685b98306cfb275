"""Creditor references, statements read from camt.053/camt.054/MT940, and matching rules,
without a server."""

import re
from datetime import date
from decimal import Decimal

import pytest
from stdnum import iso11649

from domain.bank import (
    ChaseView,
    Entry,
    StatementError,
    chase_of_reference,
    codes_in,
    creditor_reference,
    format_reference,
    match_entry,
    read_statement,
    references_in,
    states_named,
    validate_iban,
)
from tests.statements import IBAN, Line, camt053, camt054, mt940

NAMES = {"ITA": "Italy", "NOR": "Norway", "NZL": "New Zealand", "DEU": "Germany", "NLD": "Netherlands"}
DAY = date(2027, 3, 1)


def test_each_chase_has_a_valid_iso_11649_reference_that_names_it():
    ref = creditor_reference(2027, "ITA")
    assert iso11649.is_valid(ref) and ref.startswith("RF") and ref.endswith("CCM2027ITA")
    assert format_reference(ref) == "RF97 CCM2 027I TA"
    assert chase_of_reference("rf97 ccm2 027i ta") == (2027, "ITA")
    assert chase_of_reference("RF18CCM2027ITA") is None  # wrong check digits
    assert chase_of_reference("RF18539007547034") is None  # valid, but not one of ours


def test_a_reference_is_found_in_free_text_even_when_the_text_runs_on():
    assert references_in("Payment RF97 CCM2 027I TA Ministero degli Affari Esteri") == ["RF97CCM2027ITA"]
    assert references_in("invoice 2027/ITA, no reference") == []


def test_an_iban_is_checked_by_country_length_and_check_digits():
    assert validate_iban("CH93 0076 2011 6238 5295 7") == IBAN
    with pytest.raises(ValueError, match="is not a valid IBAN"):
        validate_iban("CH93 0076 2011 6238 5295 8")


def test_states_are_named_by_their_whole_name_and_a_code_in_free_text_is_only_a_guess():
    assert states_named("Contribution of New Zealand", NAMES) == ["NZL"]
    assert states_named("capital ita norwayan", NAMES) == []
    assert states_named("ITA 2027", NAMES) == [] and codes_in("ITA 2027", NAMES) == ["ITA"]


@pytest.mark.parametrize(
    "text",
    [
        "PAYMENT OF INVOICE 2027 AND BANK FEES",
        "DEMOCRATIC REPUBLIC OF THE CONGO",
        "Equatorial Guinea, contribution 2027",
        "Papua New Guinea",
    ],
)
def test_a_state_is_not_named_by_a_word_or_by_a_part_of_another_countrys_name(text):
    """Seen in a hostile probe: these were credited to Andorra, the Congo and Guinea."""
    from domain.states import registry

    parties = {s.alpha3: s.name for s in registry().parties()}
    assert states_named(text, parties) == []
    found = match_entry(
        entry(remittance=text),
        {
            f"chase-2027-{a}": ChaseView(workflow_id=f"chase-2027-{a}", state=a, year=2027, open=True)
            for a in ("AND", "COG", "GIN")
        },
        parties,
    )
    assert found.workflow_id is None


def test_guinea_and_the_congo_are_still_named_by_their_own_names():
    from domain.states import registry

    parties = {s.alpha3: s.name for s in registry().parties()}
    assert states_named("Republic of Guinea 2027", parties) == ["GIN"]
    assert states_named("Congo, contribution", parties) == ["COG"]
    assert states_named("Guinea-Bissau", parties) == ["GNB"]


@pytest.mark.parametrize("make", [camt053, camt054, mt940])
def test_every_format_reads_to_the_same_entries(make):
    lines = [
        Line("E1", "38486.00", DAY, reference=creditor_reference(2027, "ITA")),
        Line("E2", "500", DAY, text="Norway 2027"),
        Line("E3", "1000", DAY, credit=False, reversal=True, reference=creditor_reference(2027, "ITA")),
    ]
    statement = read_statement(make(lines))
    assert statement.account == IBAN and len(statement.sha256) == 64
    first, second, third = statement.entries
    assert (first.ref, first.amount, first.currency, first.value_date) == ("E1", Decimal("38486.00"), "CHF", DAY)
    assert first.credit and not first.reversal and first.creditor_reference == "RF97CCM2027ITA"
    assert "Norway 2027" in second.remittance
    assert not third.credit and third.reversal


def test_a_batch_entry_becomes_one_line_per_transaction():
    one = camt053([Line("B1", "300", DAY, text="Italy")]).decode()
    batch = one.replace(
        "<NtryDtls><TxDtls>",
        "<NtryDtls><TxDtls><Refs><AcctSvcrRef>B1-a</AcctSvcrRef></Refs>"
        '<Amt Ccy="CHF">100.00</Amt><RmtInf><Ustrd>Norway</Ustrd></RmtInf></TxDtls><TxDtls>',
        1,
    )
    batch = batch.replace(
        '<Amt Ccy="CHF">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RmtInf>',
        '<Amt Ccy="CHF">200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RmtInf>',
    )
    batch = re.sub(
        r"<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>", "<Refs><AcctSvcrRef>B1-b</AcctSvcrRef></Refs>", batch
    )
    entries = read_statement(batch.encode()).entries
    assert [(e.ref, e.amount, e.remittance) for e in entries] == [
        ("B1-a", Decimal("100.00"), "Norway"),
        ("B1-b", Decimal("200.00"), "Italy"),
    ]


def test_a_pending_entry_is_not_money_yet():
    # The booked balance moves by the booked entry alone.
    data = (
        camt053([Line("P1", "10", DAY), Line("P2", "20", DAY)], closing=Decimal("20.00"))
        .decode()
        .replace("<Cd>BOOK</Cd>", "<Cd>PDNG</Cd>", 1)
    )
    assert [e.ref for e in read_statement(data.encode()).entries] == ["P2"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not a bank statement"),
        (b"\xef\xbb\xbf<a>", "not well-formed XML"),
        (b"x" * (20 * 1024 * 1024 + 1), "a statement is at most"),
        (b":20:X\r\n:25:CH93\r\n:61:BROKEN\r\n-", "not a readable MT940 statement"),
        (camt053([Line("R" * 5000, "10", DAY)]), "entry 1 of STMT-1: ref: String should have at most 100 characters"),
        (camt053([Line("C1", "10", DAY, currency="chf; DROP")]), "entry 1 of STMT-1: currency: String should match"),
    ],
)
def test_a_file_that_is_not_a_statement_is_refused_in_one_sentence(data, message):
    with pytest.raises(StatementError, match=re.escape(message)):
        read_statement(data)


def entry(**fields) -> Entry:
    return Entry(
        **{
            "ref": "E",
            "account": IBAN,
            "amount": Decimal("500.00"),
            "currency": "CHF",
            "credit": True,
            "value_date": DAY,
        }
        | fields
    )


CHASES = {
    w: ChaseView(workflow_id=w, state=w[-3:], year=int(w[6:10]))
    for w in ("chase-2027-ITA", "chase-2027-NOR", "chase-2027-DEU", "chase-2028-NOR")
}
CHASES["chase-2027-NZL"] = ChaseView(
    workflow_id="chase-2027-NZL", state="NZL", year=2027, reported_amount=Decimal("800.00")
)


def test_the_creditor_reference_comes_first_whatever_the_text_says():
    found = match_entry(entry(creditor_reference=creditor_reference(2027, "ITA"), remittance="Norway"), CHASES, NAMES)
    assert (found.workflow_id, found.how) == ("chase-2027-ITA", "creditor_reference")
    missing = match_entry(entry(creditor_reference=creditor_reference(2026, "ITA")), CHASES, NAMES)
    assert missing.workflow_id is None and "names chase-2026-ITA, which does not exist" in missing.reason


def test_a_state_named_in_the_text_matches_its_chase_of_the_year_named_or_paid_in():
    assert match_entry(entry(remittance="Norway contribution 2027"), CHASES, NAMES).workflow_id == "chase-2027-NOR"
    assert (
        match_entry(entry(remittance="Contribution 2028", debtor="Norway MFA"), CHASES, NAMES).workflow_id
        == "chase-2028-NOR"
    )
    both = match_entry(entry(remittance="Norway"), CHASES, NAMES)  # paid in 2027: for 2027 or in advance for 2028
    assert both.workflow_id is None and both.guesses == ["chase-2027-NOR", "chase-2028-NOR"]


def test_a_reported_payment_of_the_same_amount_matches_last():
    found = match_entry(entry(amount=Decimal("800.00"), remittance="Transfer"), CHASES, NAMES)
    assert (found.workflow_id, found.how) == ("chase-2027-NZL", "reported_payment")
    assert match_entry(entry(amount=Decimal("801.00")), CHASES, NAMES).workflow_id is None


def test_a_foreign_currency_or_a_debit_is_never_matched_by_itself():
    eur = match_entry(entry(currency="EUR", creditor_reference=creditor_reference(2027, "ITA")), CHASES, NAMES)
    assert eur.workflow_id is None and eur.reason.startswith("in EUR")
    assert match_entry(entry(credit=False), CHASES, NAMES).workflow_id is None


def _batch(entry_amount: str, txs: list[tuple[str, str]], tx_amount_tag: str = "Amt", ccy: str = "CHF") -> bytes:
    """A camt.053 batch entry (several TxDtls) as banks write them; `txs` are (AcctSvcrRef,
    amount, "" for none); `tx_amount_tag` "AmtDtls" writes the .02 form (AmtDtls/TxAmt/Amt);
    `ccy` the transactions' currency."""
    one = camt053([Line("PKG-1", entry_amount, DAY)]).decode()
    head, tail = one.split("<NtryDtls>")[0], one.split("</NtryDtls>")[1]

    def amount(value: str) -> str:
        if not value:
            return "<CdtDbtInd>CRDT</CdtDbtInd>"
        if tx_amount_tag == "AmtDtls":
            return f'<AmtDtls><TxAmt><Amt Ccy="{ccy}">{value}</Amt></TxAmt></AmtDtls>'
        return f'<Amt Ccy="{ccy}">{value}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'

    details = "".join(
        f"<TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>{amount(value)}</TxDtls>" for ref, value in txs
    )
    return (head + f"<NtryDtls>{details}</NtryDtls>" + tail).encode()


@pytest.mark.parametrize(
    "txs, ccy, why",
    [
        # The probe's case: an entry of CHF 30 whose two transactions say 30 each.
        (
            [("T1", "30.00"), ("T2", "30.00")],
            "CHF",
            "its 2 transactions add up to 60.00 CHF, not to the entry's 30.00 CHF",
        ),
        # genkgo's camt054 .v2: a batch without its transactions' amounts
        ([("T1", ""), ("T2", "")], "CHF", "the bank gave its 2 transactions no amounts"),
        ([("T1", "10.00"), ("T2", "")], "CHF", "the bank gave 1 of its 2 transactions no amounts"),
        # .v4/.v8: the transactions' amounts as instructed, in SEK
        ([("T1", "3.50"), ("T2", "6.00")], "SEK", "its transactions are in SEK, the entry in CHF"),
    ],
)  # fmt: skip
def test_a_batch_the_bank_did_not_split_is_kept_whole_and_left_to_a_person(txs, ccy, why):
    """One line never blocks a file: the entry is kept whole, unmatched, saying why, with
    every amount in its currency; the rest of the file is read."""
    [whole] = read_statement(_batch("30", txs, ccy=ccy)).entries
    assert whole.amount == Decimal("30.00") and whole.unsplit == why
    found = match_entry(whole, CHASES, NAMES)
    assert found.workflow_id is None and found.reason.startswith(f"a batch kept whole ({why})")


def test_a_02_batch_gives_each_transaction_its_amount_from_amtdtls():
    entries = read_statement(_batch("30", [("T1", "10.00"), ("T2", "20.00")], "AmtDtls")).entries
    assert [(e.ref, e.amount) for e in entries] == [("T1", Decimal("10.00")), ("T2", Decimal("20.00"))]


def test_a_package_id_repeated_in_every_transaction_names_none_of_them():
    """Swiss BVR/QR batch credits repeat the package id in every transaction: each is named
    by what it says, and both are kept."""
    entries = read_statement(_batch("30", [("PKG-1", "10.00"), ("PKG-1", "20.00")])).entries
    assert [e.amount for e in entries] == [Decimal("10.00"), Decimal("20.00")]
    assert all(e.ref.startswith("h-") and e.bank_reference == "PKG-1" for e in entries)
    assert len({e.ref for e in entries}) == 2


@pytest.mark.parametrize("placeholder", ["NONREF", "EREF", "NOTPROVIDED", "N"])
def test_a_placeholder_is_no_reference(placeholder):
    entries = read_statement(camt053([Line(placeholder, "5", DAY, text="a"), Line(placeholder, "6", DAY, text="b")]))
    assert all(e.ref.startswith("h-") and e.bank_reference == "" for e in entries.entries)


def test_the_same_entry_reordered_or_in_another_file_keeps_its_identity_and_a_missing_value_date_is_the_booking_date():
    lines = [Line("", "5", DAY, text="a"), Line("", "5", DAY, text="a"), Line("", "7", DAY, text="b")]
    one = [e.ref for e in read_statement(camt053(lines)).entries]
    other = [e.ref for e in read_statement(camt053(list(reversed(lines)), "STMT-2")).entries]
    assert sorted(one) == sorted(other) and len(set(one)) == 3  # two identical lines: two entries
    data = camt053([Line("N1", "5", DAY)]).decode().replace(f"<ValDt><Dt>{DAY}</Dt></ValDt>", "")
    assert read_statement(data.encode()).entries[0].value_date == DAY


@pytest.mark.parametrize(
    "data, message",
    [
        # XXE: an external entity reading a file of the machine.
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>',
            "the XML declares a DTD or entities",
        ),
        # A billion laughs: entities that expand to gigabytes.
        (
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>',
            "the XML declares a DTD or entities",
        ),
        (b"<x>" + b" " * (50 * 1024 * 1024) + b"</x>", "a statement is at most"),
        (camt053([Line("C1", "10", DAY, currency="XYZ")]), "entry C1: XYZ is not a currency (ISO 4217)"),
        (
            camt053([Line("C1", "10", DAY)], account="CH9300762011623852958"),
            "the account CH9300762011623852958 is not a valid IBAN",
        ),
        (camt053([Line("C1", "10", DAY)], closing=Decimal("11")), "does not reconcile"),
    ],
)
def test_a_hostile_or_broken_file_is_refused_in_one_sentence(data, message):
    with pytest.raises(StatementError, match=re.escape(message)):
        read_statement(data)


def test_an_mt940_message_without_its_closing_balance_is_refused():
    """Field 62a (closing balance) is mandatory in MT940: a message without it is not a statement."""
    from tests.statements import mt940

    text = mt940([Line("X-1", "5", DAY)]).decode()
    cut = "\r\n".join(line for line in text.split("\r\n") if not line.startswith(":62F:"))
    with pytest.raises(StatementError, match="no closing balance"):
        read_statement(cut.encode())


def test_a_camt_document_of_two_accounts_is_two_statements_each_with_its_balances():
    from domain.bank import read_statements
    from tests.statements import IBAN

    other = "CH5604835012345678009"
    first = camt053([Line("A-1", "5", DAY)], "STMT-A").decode()
    second = camt053([Line("B-1", "8", DAY)], "STMT-B", opening=Decimal("100")).decode().replace(IBAN, other)
    stmt_b = second[second.index("<Stmt>") : second.index("</Stmt>") + len("</Stmt>")]
    both = first.replace("</Stmt>", "</Stmt>" + stmt_b, 1)
    statements = read_statements(both.encode())
    assert [(s.account, s.id, s.closing, [e.ref for e in s.entries]) for s in statements] == [
        (IBAN, "STMT-A", Decimal("5.00"), ["A-1"]),
        (other, "STMT-B", Decimal("108.00"), ["B-1"]),
    ]
    with pytest.raises(StatementError, match="holds 2 statements"):
        read_statement(both.encode())


def test_two_statements_of_one_account_in_one_camt_document_are_two_each_with_its_name():
    """The probe's case: the second Stmt's closing balance was taken for the first's, and the
    second statement was lost from the account's chain."""
    from domain.bank import read_statements
    from domain.records import statement_id

    first = camt053([Line("A-1", "5", DAY)], "STMT-1").decode()
    second = camt053([Line("A-2", "8", DAY)], "STMT-2", opening=Decimal("5")).decode()
    stmt_2 = second[second.index("<Stmt>") : second.index("</Stmt>") + len("</Stmt>")]
    both = first.replace("</Stmt>", "</Stmt>" + stmt_2, 1).encode()
    one, two = read_statements(both)
    assert (one.id, one.closing, one.part, two.id, two.opening, two.closing, two.part) == (
        "STMT-1", Decimal("5.00"), 1, "STMT-2", Decimal("5.00"), Decimal("13.00"), 2,
    )  # fmt: skip
    assert statement_id(one) != statement_id(two)
    # A file of one statement keeps the name it always had.
    assert statement_id(read_statement(first.encode())).endswith(read_statement(first.encode()).sha256[:16])


def _genkgo_camt054_v2(reference: str) -> bytes:
    """A camt.054.001.02 notification in the dialect of genkgo/camt's public sample
    `test/data/camt054.v2.xml` (our own values): the account under `Othr/Id`, not an IBAN; a
    SEK debit booked with a `DtTm`, whose four `TxDtls` sit straight under `NtryDtls` (no
    `Btch`), three with no amount and one with only a proprietary amount
    (`AmtDtls/PrtryAmt`), some with two `Ustrd` and two `Strd`; then, our addition, a CHF
    credit quoting a chase's creditor reference."""
    tx = (
        "<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>{amount}"
        "<RltdPties><Dbtr><Nm>SUPPLIER AB</Nm></Dbtr></RltdPties>"
        "<RmtInf><Ustrd>Invoice {n} part 1</Ustrd><Ustrd>Invoice {n} part 2</Ustrd>"
        "<Strd><CdtrRefInf><Tp><CdOrPrtry><Prtry>ISR Reference</Prtry></CdOrPrtry></Tp><Ref>R{n}</Ref>"
        "</CdtrRefInf><AddtlRmtInf>Block 1</AddtlRmtInf></Strd>"
        "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>S{n}</Ref></CdtrRefInf></Strd>"
        "</RmtInf></TxDtls>"
    )
    proprietary = '<AmtDtls><PrtryAmt><Tp>DBIT</Tp><Amt Ccy="SEK">236.25</Amt></PrtryAmt></AmtDtls>'
    details = "".join(
        tx.format(e2e="NOTPROVIDED" if n == 2 else f"SUPP/AB/{n}", amount=proprietary if n == 2 else "", n=n)
        for n in range(1, 5)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr>
      <MsgId>ISU-NTF-2027-0301</MsgId><CreDtTm>2027-03-01T12:30:00+01:00</CreDtTm>
      <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>
    </GrpHdr>
    <Ntfctn>
      <Id>ISU-NTF-2027-0301</Id><ElctrncSeqNb>301</ElctrncSeqNb><CreDtTm>2027-03-01T12:30:00+01:00</CreDtTm>
      <Acct><Id><Othr><Id>{IBAN}</Id></Othr></Id><Ownr><Nm>ISU-CCM TRUST FUND</Nm></Ownr></Acct>
      <Ntry>
        <Amt Ccy="SEK">200000</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><DtTm>2027-03-01T13:15:00+01:00</DtTm></BookgDt><ValDt><Dt>2027-03-01</Dt></ValDt>
        <AcctSvcrRef>ISU-NTF-2027-0301-1</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>{details}</NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CHF">27574.16</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2027-03-01</Dt></BookgDt><ValDt><Dt>2027-03-01</Dt></ValDt>
        <AcctSvcrRef>ISU-NTF-2027-0301-2</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls><Refs><EndToEndId>ITA-2027</EndToEndId></Refs>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{reference}</Ref>
          </CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()


def test_genkgos_camt054_v2_dialect_is_read_whole_its_foreign_debit_kept_apart_and_the_credit_matched():
    """The probe: genkgo's camt054.v2 was refused whole ("a batch transaction needs its
    amount") for one SEK debit `ccm` would not book anyway. The file is schema-valid; its
    debit is kept whole with why, every amount in its currency, and the CHF credit is read."""
    import xmlschema

    from tests.statements import xsd

    data = _genkgo_camt054_v2(creditor_reference(2027, "ITA"))
    xmlschema.XMLSchema(xsd("camt.054.001.02")).validate(data.decode())
    debit, credit = read_statement(data).entries
    assert (debit.amount, debit.currency, debit.credit) == (Decimal("200000.00"), "SEK", False)
    assert debit.unsplit == "the bank gave its 4 transactions no amounts"  # a proprietary amount is none
    assert match_entry(debit, CHASES, NAMES).workflow_id is None
    assert (credit.amount, credit.currency, credit.credit) == (Decimal("27574.16"), "CHF", True)
    assert match_entry(credit, CHASES, NAMES).workflow_id == "chase-2027-ITA"


def _genkgo_camt054_v8() -> bytes:
    """A camt.054.001.08 notification in the dialect of genkgo/camt's `camt054.v8.xml` (our
    own values): `Sts/Cd`, a SEK debit whose `Btch` counts 2 transactions totalling CHF 6.30
    while its three `TxDtls` each say a CHF credit (`Amt` and `AmtDtls/TxAmt`), a
    proprietary bank transaction code, creditors with postal addresses; then a CHF credit."""
    tx = (
        "<TxDtls><Refs><PmtInfId>PI-1</PmtInfId><InstrId>PI-1-{n}</InstrId><EndToEndId>E2E-{n}</EndToEndId></Refs>"
        '<Amt Ccy="CHF">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        '<AmtDtls><TxAmt><Amt Ccy="CHF">{amount}</Amt></TxAmt></AmtDtls>'
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn>"
        "<Prtry><Cd>Z24</Cd></Prtry></BkTxCd>"
        "<RltdPties><Dbtr><Pty><Nm>ISU-CCM</Nm></Pty></Dbtr>"
        "<Cdtr><Pty><Nm>Supplier {n}</Nm><PstlAdr><StrtNm>Rue {n}</StrtNm><BldgNb>{n}</BldgNb><PstCd>1202</PstCd>"
        "<TwnNm>Genève</TwnNm><Ctry>CH</Ctry></PstlAdr></Pty></Cdtr></RltdPties>"
        "<RmtInf><Ustrd>Order {n}</Ustrd></RmtInf></TxDtls>"
    )
    details = "".join(tx.format(n=n, amount=a) for n, a in ((1, "3.1"), (2, "3.2"), (3, "3.2")))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>ISU-NTF-V8</MsgId><CreDtTm>2027-03-01T12:30:00+01:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>ISU-NTF-V8</Id><NtfctnPgntn><PgNb>2</PgNb><LastPgInd>true</LastPgInd></NtfctnPgntn>
      <ElctrncSeqNb>8</ElctrncSeqNb><CreDtTm>2027-03-01T12:30:00+01:00</CreDtTm>
      <Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="SEK">200000</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2027-03-01</Dt></BookgDt><ValDt><Dt>2027-03-01</Dt></ValDt>
        <AcctSvcrRef>ACSR-V8-1</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn>
          <Prtry><Cd>Z24</Cd></Prtry></BkTxCd>
        <NtryDtls>
          <Btch><MsgId>B-1</MsgId><PmtInfId>PI-1</PmtInfId><NbOfTxs>2</NbOfTxs><TtlAmt Ccy="CHF">6.3</TtlAmt>
            <CdtDbtInd>DBIT</CdtDbtInd></Btch>
          {details}
        </NtryDtls>
        <AddtlNtryInf>Order</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <Amt Ccy="CHF">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2027-03-01</Dt></BookgDt><ValDt><Dt>2027-03-01</Dt></ValDt>
        <AcctSvcrRef>ACSR-V8-2</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls><RmtInf><Ustrd>Contribution of New Zealand 2027</Ustrd></RmtInf></TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()


def test_genkgos_camt054_v8_dialect_keeps_a_batch_in_another_currency_whole_and_reads_the_rest():
    """The probe: genkgo's .v4/.v8 were refused ("its 3 transactions add up to 9.50, not to
    the entry's 200000.00", CHF against SEK unsaid). The batch is kept whole saying both
    currencies; the credit after it is read and matched by the State it names."""
    import xmlschema

    from tests.statements import xsd

    data = _genkgo_camt054_v8()
    xmlschema.XMLSchema(xsd("camt.054.001.08")).validate(data.decode())
    debit, credit = read_statement(data).entries
    assert (debit.amount, debit.currency, debit.credit) == (Decimal("200000.00"), "SEK", False)
    assert debit.unsplit == "its transactions are in CHF, the entry in SEK"
    assert (credit.amount, credit.currency) == (Decimal("500.00"), "CHF")
    assert match_entry(credit, CHASES, NAMES).workflow_id == "chase-2027-NZL"


def _german_sepa_mt940(reference: str) -> bytes:
    """MT940 in the dialect of betterplace/mt940_parser's public sample `sepa_mt9401.txt`
    (our own values): no header, LF line ends, the account as `BLZ/account`, `:28C:` zero-
    padded, `:86:` in `?nn` subfields running onto continuation lines, amounts such as
    `300,`, `:64:` after `:62F:`, and one account's day over two messages (`:62M:` then
    `:60M:`), beside a message of another account."""
    return f""":20:T0894139460
:25:50880050/0194774600888
:28C:00004/00001
:60F:C270303EUR1000,
:61:2703040304CR300,NTRFNONREF//0724710345313905
:86:166?00GUTSCHRIFT?100399?20EREF+NOTPROVIDED?21SVWZ+{reference[:14]}?22{reference[14:]} CONT
RIBUTION?32REPUBBLICA ITALIANA
:61:2703040304DR50,05NTRFKREF+//BD7CFA74485E7E69
:86:191?00SEPA-UEBERW?100399?20KREF+TFNr 01005 PayId CTSc-?2101 EBB
:62M:C270304EUR1249,95
-
:20:T0894139460
:25:50880050/0194774600888
:28C:00004/00002
:60M:C270304EUR1249,95
:61:2703040304CR0,05NMSCNONREF
:86:079?00SAMMLER?109800?200904059001
:62F:C270304EUR1250,
:64:C270304EUR1250,
-
:20:T0894139560
:25:50880050/0194777100888
:28C:00004/00001
:60F:D270303EUR970499,9
:61:2703040304DR500250,NTRFKREF+//BD7CFA74485E7E70
:86:191?00SEPA-UEBERW?100399?20KREF+TFNr 01024 PayId CTSc-?2101 EBB?2
2MTLG:SEPA-Ueberweisungsauft?23rag Datei mit 0000005 Zahlu?24ngen
:62F:D270304EUR1470749,9
:64:D270304EUR1470749,9
-
""".encode("latin-1")


def test_the_german_sepa_mt940_dialect_is_one_statement_per_account_its_split_day_whole():
    """The probe filed a multi-account file under its first account. Each account here is one
    statement: the day split over two messages (`:62M:`/`:60M:`) reads as one, balances
    chained; the reference split over two `?2n` subfields is found whole."""
    from domain.bank import read_statements

    ref = creditor_reference(2027, "ITA").replace(" ", "")
    first, second = read_statements(_german_sepa_mt940(ref))
    assert (first.account, first.opening, first.closing) == (
        "50880050/0194774600888", Decimal("1000.00"), Decimal("1250.00"),
    )  # fmt: skip
    assert [(e.amount, e.credit) for e in first.entries] == [
        (Decimal("300.00"), True), (Decimal("50.05"), False), (Decimal("0.05"), True),
    ]  # fmt: skip
    assert (second.account, second.closing, len(second.entries)) == (
        "50880050/0194777100888", Decimal("-1470749.90"), 1,
    )  # fmt: skip
    # Its text was lost (the library takes a structured `:86:` apart into fields): now the
    # reference, the purpose and the payer are read from them. Matching waits for a person
    # only because it is in EUR.
    italy = first.entries[0]
    assert (italy.creditor_reference, italy.debtor) == (ref, "REPUBBLICA ITALIANA")
    assert italy.remittance == f"{ref} CONTRIBUTION NOTPROVIDED GUTSCHRIFT"
    assert match_entry(italy, CHASES, NAMES).reason == "in EUR: only CHF entries are matched automatically"
    assert match_entry(italy.model_copy(update={"currency": "CHF"}), CHASES, NAMES).workflow_id == "chase-2027-ITA"


MT940_TWO_DAYS = """:20:STMT-0305
:25:CH9300762011623852957
:28C:12/1
:60F:C270304CHF1000,00
:61:2703050306C250,00NTRFNONREF//BANK-1
:86:Contribution of Norway
:61:2703050305RD20,00NTRFNONREF//BANK-2
:86:Return of a fee charged twice
:62M:C270305CHF1270,00
-
:20:STMT-0305
:25:CH9300762011623852957
:28C:12/2
:60M:C270305CHF1270,00
:61:2703070307D70,00NTRFNONREF//BANK-3
:86:Bank charges
:62F:C270307CHF1200,00
-
"""


def test_an_mt940_statement_keeps_its_id_its_days_and_each_entrys_booking_day_and_mark():
    """What the bank says of a statement and its entries reaches the log as it said it: the
    `:20:` id, the first and last days of its entries, each entry's booking day where it is
    not its value day (`2703050306`: valued on 5 March, booked on the 6th), and `RD` (a
    debit reversed: money in) against `D`."""
    s = read_statement(MT940_TWO_DAYS.encode())
    assert (s.id, s.account, s.opening, s.closing) == ("STMT-0305", IBAN, Decimal("1000.00"), Decimal("1200.00"))
    assert (s.from_date, s.to_date) == (date(2027, 3, 5), date(2027, 3, 7))
    assert [(e.ref, e.value_date, e.booking_date, e.credit, e.reversal) for e in s.entries] == [
        ("BANK-1", date(2027, 3, 5), date(2027, 3, 6), True, False),
        ("BANK-2", date(2027, 3, 5), date(2027, 3, 5), True, True),
        ("BANK-3", date(2027, 3, 7), date(2027, 3, 7), False, False),
    ]  # fmt: skip
    assert s.entries[0].remittance == "Contribution of Norway"


def test_an_mt940_that_does_not_add_up_is_refused_naming_its_statement_and_the_sum():
    """Each message is reconciled on its own (its opening, here the day's `:60M:`, and closing)."""
    off = MT940_TWO_DAYS.replace(":62F:C270307CHF1200,00", ":62F:C270307CHF1300,00")
    with pytest.raises(StatementError) as refused:
        read_statement(off.encode())
    assert str(refused.value) == (
        "statement STMT-0305 does not reconcile: opening 1270.00 + entries -70.00 = 1200.00, "
        "but the closing balance is 1300.00 (off by 100.00)"
    )
