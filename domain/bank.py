"""Receipts from the bank: each chase's structured creditor reference (ISO 11649), bank
statements read from ISO 20022 camt.053/camt.054 and SWIFT MT940, and the rules that find
the chase a credit entry pays.

The minutes' own trouble ("a third State Party had reported having paid its contribution,
but the ISU-CCM had not received it yet"; UN invoices confused with ISU invoices) is a
matching problem: a payment that carries its chase's reference matches by itself, one
that names its State in the remittance text matches next, and one whose amount is that of
a payment a State reported matches last. Everything else is listed with guesses for a
person to settle. Pure: bytes in, models out; no I/O.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, Field

MAX_STATEMENT_BYTES = 20 * 1024 * 1024
REFERENCE_BODY = re.compile(r"^CCM(\d{4})([A-Z]{3})$")
REFERENCE_IN_TEXT = re.compile(r"\bRF\d{2}(?:[ ]?[A-Z0-9]){1,21}\b", re.IGNORECASE)


# --- the creditor reference ------------------------------------------------------------------
def creditor_reference(year: int, state: str) -> str:
    """`RF97CCM2027ITA`: ISO 11649 over `CCM{year}{alpha-3}`, so a bank statement line
    names its chase."""
    from stdnum.iso7064 import mod_97_10

    body = f"CCM{year}{state}"
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def format_reference(reference: str) -> str:
    """`RF97 CCM2 027I TA`, as printed on a letter and typed into a payment order."""
    from stdnum import iso11649

    return iso11649.format(reference)


def chase_of_reference(reference: str) -> tuple[int, str] | None:
    """(year, State) of a valid creditor reference made by `creditor_reference`, else None."""
    from stdnum import iso11649

    compact = iso11649.compact(reference)
    if not iso11649.is_valid(compact):
        return None
    found = REFERENCE_BODY.match(compact[4:])
    return (int(found[1]), found[2]) if found else None


def references_in(text: str) -> list[str]:
    """The valid ISO 11649 references written in a free text, compacted. Where the text
    runs on after a reference ("RF97 CCM2 027I TA Ministero"), the reference of a chase is
    preferred to a longer run that happens to check."""
    from stdnum import iso11649

    found = []
    for m in REFERENCE_IN_TEXT.finditer(text):
        run = iso11649.compact(m.group(0))
        valid = [run[:n] for n in range(len(run), 4, -1) if iso11649.is_valid(run[:n])]
        ours = [r for r in valid if REFERENCE_BODY.match(r[4:])]
        if ours or valid:
            found.append((ours or valid)[0])
    return found


def validate_iban(text: str) -> str:
    """The IBAN compacted, or ValueError naming what is wrong (schwifty checks the country's
    length, the check digits and the bank code)."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return IBAN(text).compact
    except SchwiftyException as e:
        raise ValueError(f"{text!r} is not a valid IBAN: {e}") from None


def format_iban(iban: str) -> str:
    """`CH93 0076 2011 6238 5295 7`, in groups of four as printed."""
    from schwifty import IBAN

    return IBAN(iban).formatted


# --- statements ------------------------------------------------------------------------------
class Entry(BaseModel):
    """One booked line of a statement (one transaction of a batch entry)."""

    ref: str = Field(min_length=1, max_length=100, description="the bank's reference, unique on the account")
    account: str = Field(max_length=100, description="the IBAN (or the bank's account id) the entry is on")
    amount: Decimal
    currency: str = Field(pattern=r"^([A-Z]{3})?$")
    credit: bool
    reversal: bool = False
    value_date: date
    creditor_reference: str = Field("", description="structured (SCOR) reference, compacted")
    remittance: str = Field("", description="unstructured remittance text")
    debtor: str = ""

    @property
    def text(self) -> str:
        return " ".join(t for t in (self.remittance, self.debtor) if t)


class Statement(BaseModel):
    format: Literal["camt.053", "camt.054", "mt940"]
    id: str = Field(max_length=100)
    account: str = Field(max_length=100)
    sha256: str
    entries: list[Entry]


class StatementError(ValueError):
    """A file that is not a statement ccm can read; nothing of it is used."""


def read_statement(data: bytes) -> Statement:
    """A camt.053 or camt.054 (any version from .02) or an MT940 file, every entry checked."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementError(f"the file is {len(data):,} bytes; a statement is at most {MAX_STATEMENT_BYTES:,}")
    sha = hashlib.sha256(data).hexdigest()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return _camt(data, sha)
    if b":20:" in data and b":61:" in data:
        return _mt940(data, sha)
    raise StatementError("not a bank statement: expected camt.053/camt.054 XML or MT940")


def _amount(text: str | None, where: str) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise StatementError(f"{where}: amount {text!r} is not a number") from None
    if value < 0 or value != value.quantize(Decimal("0.01")) or value > Decimal("1000000000"):
        raise StatementError(f"{where}: amount {text!r} is not a positive amount with at most 2 decimals")
    return value.quantize(Decimal("0.01"))


def _day(text: str | None, where: str) -> date:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        raise StatementError(f"{where}: {text!r} is not a date") from None


def _camt(data: bytes, sha: str) -> Statement:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise StatementError("the XML declares a DTD or entities, which a statement never needs: refused") from None
    except ParseError as e:
        raise StatementError(f"not well-formed XML: {e}") from None
    found = re.match(r"\{urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.\d{2}\}Document$", root.tag)
    if not found:
        raise StatementError(f"not a camt.053 or camt.054 document (root {root.tag!r})")
    kind, ns = found[1], {"c": root.tag[1:].split("}")[0]}

    def text(node, path: str) -> str:
        hit = node.find(path, ns)
        return (hit.text or "").strip() if hit is not None and hit.text else ""

    reports = root.findall("./c:BkToCstmrStmt/c:Stmt", ns) + root.findall("./c:BkToCstmrDbtCdtNtfctn/c:Ntfctn", ns)
    if not reports:
        raise StatementError(f"the {kind} document holds no statement")
    entries: list[Entry] = []
    for report in reports:
        account = text(report, "c:Acct/c:Id/c:IBAN") or text(report, "c:Acct/c:Id/c:Othr/c:Id")
        for n, ntry in enumerate(report.findall("c:Ntry", ns), start=1):
            where = f"entry {n} of {text(report, 'c:Id') or 'the statement'}"
            amt = ntry.find("c:Amt", ns)
            if amt is None:
                raise StatementError(f"{where}: no amount")
            credit = text(ntry, "c:CdtDbtInd")
            if credit not in ("CRDT", "DBIT"):
                raise StatementError(f"{where}: CdtDbtInd is {credit!r}, not CRDT or DBIT")
            status = text(ntry, "c:Sts/c:Cd") or text(ntry, "c:Sts")
            if status and status != "BOOK":
                continue  # pending or informational: not money on the account yet
            value = text(ntry, "c:ValDt/c:Dt") or text(ntry, "c:ValDt/c:DtTm") or text(ntry, "c:BookgDt/c:Dt")
            ref = text(ntry, "c:AcctSvcrRef") or text(ntry, "c:NtryRef")
            details = ntry.findall("c:NtryDtls/c:TxDtls", ns)
            base = {"account": account, "currency": amt.get("Ccy", ""), "credit": credit == "CRDT",
                    "reversal": text(ntry, "c:RvslInd").lower() == "true", "value_date": _day(value, where)}
            if len(details) <= 1:
                tx = details[0] if details else None
                ref = ref or (text(tx, "c:Refs/c:AcctSvcrRef") if tx is not None else "")
                if not ref:
                    raise StatementError(f"{where}: no bank reference (AcctSvcrRef or NtryRef)")
                entries.append(_entry(where, ref=ref, amount=_amount(amt.text, where), **base,
                                      **_remittance(tx, text, ns)))
                continue
            for m, tx in enumerate(details, start=1):  # a batch: one line per transaction
                tx_amt = tx.find("c:Amt", ns)
                tx_ref = text(tx, "c:Refs/c:AcctSvcrRef") or (f"{ref}/{m}" if ref else "")
                if tx_amt is None or not tx_ref:
                    raise StatementError(f"{where}, transaction {m}: a batch needs each amount and reference")
                entries.append(_entry(f"{where}, transaction {m}", ref=tx_ref,
                                      amount=_amount(tx_amt.text, f"{where}, transaction {m}"),
                                     **base | {"currency": tx_amt.get("Ccy", base["currency"])},
                                     **_remittance(tx, text, ns)))
    first = reports[0]
    return _statement(format=kind, id=text(first, "c:Id") or text(root, ".//c:GrpHdr/c:MsgId"),
                      account=entries[0].account if entries else text(first, "c:Acct/c:Id/c:IBAN"),
                      sha256=sha, entries=_unique(entries))


def _remittance(tx, text, ns) -> dict:
    if tx is None:
        return {}
    reference = text(tx, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref").replace(" ", "").upper()
    ustrd = " ".join(t.text.strip() for t in tx.findall("c:RmtInf/c:Ustrd", ns) if t.text)
    debtor = tx.find("c:RltdPties/c:Dbtr", ns)
    name = debtor.find(".//c:Nm", ns) if debtor is not None else None
    return {"creditor_reference": reference, "remittance": ustrd[:1000],
            "debtor": (name.text or "").strip()[:200] if name is not None else ""}


def _mt940(data: bytes, sha: str) -> Statement:
    import mt940

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # SWIFT's character set is a subset of both
    try:
        transactions = mt940.models.Transactions()
        transactions.parse(text)
    except Exception as e:  # the library raises bare exceptions of many kinds on bad input
        raise StatementError(f"not a readable MT940 statement: {type(e).__name__}: {e}") from None
    if not transactions.transactions:
        raise StatementError("the MT940 statement holds no transaction")
    head = transactions.data
    account = str(head.get("account_identification", "")).strip()
    statement_id = str(head.get("transaction_reference", "")).strip()
    entries = []
    for n, t in enumerate(transactions.transactions, start=1):
        d, where = t.data, f"transaction {n}"
        status = d.get("status", "")
        if "amount" not in d or status not in ("C", "D", "RC", "RD"):
            raise StatementError(f"{where}: no amount or credit/debit mark")
        amount = d["amount"]
        ref = (d.get("bank_reference") or "").strip() or (d.get("customer_reference") or "").strip()
        if not ref or ref.upper() == "NONREF":
            ref = f"{statement_id}/{n}"
        details = " ".join(str(d.get(k) or "") for k in ("transaction_details", "extra_details")).strip()
        found = references_in(details.replace("\n", " "))
        day = d["date"]  # the library's own date type: a plain date here
        entries.append(_entry(
            where, ref=ref, account=account, amount=_amount(str(abs(amount.amount)), where), currency=amount.currency,
            credit=status in ("C", "RD"), reversal=status in ("RC", "RD"),
            value_date=date(day.year, day.month, day.day), creditor_reference=found[0] if found else "",
            remittance=" ".join(details.split())[:1000]))
    return _statement(format="mt940", id=statement_id, account=account, sha256=sha, entries=_unique(entries))


def _entry(where: str, **fields) -> Entry:
    """An entry, or the statement refused naming the field that does not fit."""
    return _model(Entry, where, fields)


def _statement(**fields) -> Statement:
    return _model(Statement, "the statement", fields)


def _model(model, where: str, fields: dict):
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as e:
        err = e.errors()[0]
        raise StatementError(f"{where}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for e in entries:
        if e.ref in seen and seen[e.ref] != e:
            raise StatementError(f"bank reference {e.ref} stands for two different entries")
        seen[e.ref] = e
    return list(seen.values())


# --- matching ----------------------------------------------------------------------------------
class ChaseView(BaseModel):
    """What matching needs to know of a chase."""

    workflow_id: str
    state: str
    year: int
    open: bool = True
    outstanding: Decimal | None = None
    reported_amount: Decimal | None = Field(None, description="the amount of a payment the State reported")


How = Literal["creditor_reference", "remittance", "reported_payment"]


class Match(BaseModel):
    workflow_id: str | None = None
    how: How | None = None
    reason: str = ""
    guesses: list[str] = Field(default_factory=list)


def match_entry(entry: Entry, chases: dict[str, ChaseView], names: dict[str, str]) -> Match:
    """The chase a CHF credit pays: by creditor reference, then by a State named in the
    remittance text, then by the amount of a reported payment. `names` maps each State
    Party's alpha-3 code to its name. A foreign currency is never matched by itself."""
    if not entry.credit or entry.reversal:
        return Match(reason="a debit, not a contribution")
    named = states_named(entry.text, names) if entry.text else []
    guessed = named + [c for c in codes_in(entry.text, names) if c not in named]
    if entry.currency != "CHF":
        return Match(reason=f"in {entry.currency or 'no currency'}: only CHF entries are matched automatically",
                     guesses=_candidates(entry, chases, guessed))
    for ref in [entry.creditor_reference, *references_in(entry.text)]:
        target = chase_of_reference(ref) if ref else None
        if target:
            wid = f"chase-{target[0]}-{target[1]}"
            if wid in chases:
                return Match(workflow_id=wid, how="creditor_reference")
            return Match(reason=f"creditor reference {format_reference(ref)} names {wid}, which does not exist",
                         guesses=_candidates(entry, chases, guessed))
    years = sorted({int(y) for y in re.findall(r"\b(20\d{2})\b", entry.text)}
                   or {entry.value_date.year, entry.value_date.year + 1})
    by_text = [w for s in named for y in years if (w := f"chase-{y}-{s}") in chases and chases[w].open]
    if len(by_text) == 1:
        return Match(workflow_id=by_text[0], how="remittance")
    reported = [c.workflow_id for c in chases.values() if c.open and c.reported_amount == entry.amount]
    if len(reported) == 1 and not by_text:
        return Match(workflow_id=reported[0], how="reported_payment")
    if len(by_text) > 1:
        return Match(reason=f"the text names {len(by_text)} open chases", guesses=by_text[:5])
    return Match(reason="no reference, no State named, no reported payment of that amount",
                 guesses=_candidates(entry, chases, guessed))


def _candidates(entry: Entry, chases: dict[str, ChaseView], named: list[str]) -> list[str]:
    """Best guesses for a person: chases of the States named, then reported payments and
    outstanding balances of exactly that amount."""
    guesses = [c.workflow_id for c in chases.values() if c.state in named and c.open]
    guesses += [c.workflow_id for c in chases.values() if c.open and entry.amount in (c.reported_amount,
                                                                                       c.outstanding)]
    return list(dict.fromkeys(guesses))[:5]


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def states_named(text: str, names: dict[str, str]) -> list[str]:
    """States Parties a remittance text names by their full name, as whole words, and not
    only as part of another country's name the text names ("Congo" in "Democratic Republic
    of the Congo", "Guinea" in "Equatorial Guinea"). A code in free text is no name: "AND"
    is a word before it is Andorra (`codes_in` makes it a guess)."""
    words = _words(text)
    named = {a for a, name in names.items() if _words(name) in words}
    return sorted(a for a in named if not any(longer in words for longer in _longer_names(a, names[a])))


def codes_in(text: str, names: dict[str, str]) -> list[str]:
    """States Parties whose alpha-3 code stands in the text as a word of capitals: a guess
    for a person, never a match."""
    return sorted(set(re.findall(r"\b[A-Z]{3}\b", text)) & set(names))


@functools.cache
def _longer_names(alpha3: str, name: str) -> tuple[str, ...]:
    """Every other country's name (ISO 3166: its name, official and common names) that
    holds `name` as words: the names that contain it."""
    import pycountry

    mine = _words(name)
    found = set()
    for country in pycountry.countries:
        if country.alpha_3 == alpha3:
            continue
        given = [country.name, getattr(country, "official_name", ""), getattr(country, "common_name", "")]
        # "Congo, The Democratic Republic of the" is written "Democratic Republic of the Congo".
        given += [f"{rest} {head}".removeprefix("The ").removeprefix("the ")
                  for head, _, rest in (n.partition(", ") for n in given if ", " in n)]
        for other in set(given):
            if other and (theirs := _words(other)) != mine and mine in theirs:
                found.add(theirs)
    return tuple(sorted(found))
