"""Receipts from the bank: each chase's structured creditor reference (ISO 11649), bank
statements read from ISO 20022 camt.053/camt.054 and SWIFT MT940, and the rules that find
the chase a credit entry pays.

Runs inside workflows: its code is replayed, so it is deterministic, and a change to what it
decides is a workflow change (docs/explanation/versioning.md).

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
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from domain.ids import chase_id

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from domain.events import NewEvent
    from domain.signatures import EntryProof

M = TypeVar("M", bound=BaseModel)

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


# A payer who splits a payment by budget line writes it in the remittance text, as
# "7a CHF 27,574.16 / 7c: 10'000" or "7A=27574.16;7C=10000.00": a line, then its amount.
LINE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(7[abcABC])\s*[:=]?\s*(?:CHF\s*)?([0-9](?:[0-9'’,.]*[0-9])?)", re.UNICODE)


def lines_in_remittance(text: str, amount: Decimal) -> dict[str, Decimal]:
    """The parts by line a payer wrote in the remittance text, where they name each line
    once and add up to `amount` exactly; else none (the default rule allocates)."""
    parts: dict[str, Decimal] = {}
    for m in LINE_IN_TEXT.finditer(text):
        line, figure = m.group(1).lower(), m.group(2).replace("'", "").replace("’", "").replace(" ", "")
        if "," in figure and "." not in figure and len(figure.rsplit(",", 1)[1]) == 2:
            figure = figure.replace(",", ".")  # a decimal comma: 10000,50
        try:
            part = Decimal(figure.replace(",", ""))
        except InvalidOperation:
            return {}
        if line in parts or part <= 0 or part != part.quantize(Decimal("0.01")):
            return {}
        parts[line] = part.quantize(Decimal("0.01"))
    return parts if parts and sum(parts.values(), Decimal("0.00")) == amount else {}


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

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=100, description="the entry's identity on its account (`identify`)")
    account: str = Field(max_length=100, description="the IBAN (or the bank's account id) the entry is on")
    amount: Decimal
    currency: str = Field(pattern=r"^([A-Z]{3})?$")
    credit: bool
    reversal: bool = False
    value_date: date
    booking_date: date | None = None
    bank_reference: str = Field("", max_length=100, description="the bank's own reference, as written")
    owner_reference: str = Field(
        "",
        max_length=100,
        description="the payer's or the account owner's reference "
        "(camt EndToEndId, MT940 :61: subfield 7): never taken as unique",
    )
    creditor_reference: str = Field("", description="structured (SCOR) reference, compacted")
    remittance: str = Field("", description="unstructured remittance text")
    debtor: str = ""
    unsplit: str = Field("", max_length=300, description="why a batch is kept whole: the bank's split did not hold")

    @property
    def text(self) -> str:
        return " ".join(t for t in (self.remittance, self.debtor) if t)

    def content(self) -> dict[str, Any]:
        """What the entry says, whichever statement brought it: what two imports of one
        entry agree on, and a different entry under the same identity does not."""
        return self.model_dump(mode="json", exclude={"ref"})


class Statement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["camt.053", "camt.054", "mt940"]
    id: str = Field(max_length=100)
    account: str = Field(max_length=100)
    sha256: str
    entries: list[Entry]
    opening: Decimal | None = Field(None, description="opening booked balance (signed), where the bank gives one")
    closing: Decimal | None = Field(None, description="closing booked balance (signed)")
    from_date: date | None = None
    to_date: date | None = None
    part: int = Field(0, ge=0, description="its place among one account's statements in the file (0: the only one)")

    @property
    def name(self) -> str:
        """What names it apart from the file's other statements of its account."""
        return f"{self.sha256[:16]}-{self.part}" if self.part else self.sha256[:16]


class StatementError(ValueError):
    """A file that is not a statement ccm can read; nothing of it is used."""


def read_statements(data: bytes) -> list[Statement]:
    """A camt.053 or camt.054 (any version from .02) or an MT940 file, every entry checked,
    each given its identity, and its balances reconciled where the bank gives them: one
    statement per account the file holds (an MT940 file or a camt document may hold
    several), in the file's order."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementError(f"the file is {len(data):,} bytes; a statement is at most {MAX_STATEMENT_BYTES:,}")
    sha = hashlib.sha256(data).hexdigest()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return _camt(data, sha)
    if b":20:" in data and b":61:" in data:
        return _mt940(data, sha)
    raise StatementError("not a bank statement: expected camt.053/camt.054 XML or MT940")


def read_statement(data: bytes) -> Statement:
    """The statement of a file that holds one account's (`read_statements` for any file)."""
    statements = read_statements(data)
    if len(statements) > 1:
        raise StatementError(
            f"the file holds {len(statements)} statements "
            f"({', '.join(s.account for s in statements)}): each is read on its own (read_statements)"
        )
    return statements[0]


# What some banks write where a reference would go: never taken for one.
PLACEHOLDERS = frozenset(
    {"", "NONREF", "NOREF", "EREF", "NOTPROVIDED", "NOT PROVIDED", "N", "NA", "N/A", "NONE", "-", "0", "UNKNOWN"}
)


def real_reference(text: str | None) -> str:
    """A reference as written, or "" for a placeholder."""
    cleaned = (text or "").strip()
    return "" if cleaned.upper() in PLACEHOLDERS else cleaned


def identify(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry's identity on its account, from the entry itself, never its place in a
    file (whose id may repeat from day to day): the bank's reference where it names one
    entry only in this statement, else a digest of what the entry says (account, dates,
    amount, direction, references, text) and its place among entries that say exactly the
    same. The same statement again, reordered, or its entries first in camt.054
    notifications, gives the same identities."""

    def said(e: dict[str, Any]) -> str:
        return "|".join(
            str(e.get(k, ""))
            for k in (
                "account",
                "booking_date",
                "value_date",
                "amount",
                "currency",
                "credit",
                "reversal",
                "bank_reference",
                "owner_reference",
                "creditor_reference",
                "remittance",
                "debtor",
            )
        )

    by_reference: dict[str, set[str]] = {}
    for e in entries:
        if e["bank_reference"]:
            by_reference.setdefault(e["bank_reference"], set()).add(said(e))
    seen: dict[str, int] = {}
    for e in entries:
        content = said(e)
        seen[content] = seen.get(content, 0) + 1
        if e["bank_reference"] and len(by_reference[e["bank_reference"]]) == 1 and seen[content] == 1:
            e["ref"] = e["bank_reference"]
        else:
            digest = hashlib.sha256(f"{content}|{seen[content]}".encode()).hexdigest()[:20]
            e["ref"] = f"h-{digest}"
    return entries


def own_name(entry: Entry) -> str:
    """The name of an entry by what it says alone (its bank reference set aside): where a
    bank reused a reference for a different entry on the account, the entry goes by this."""
    return str(identify([entry.model_dump() | {"bank_reference": ""}])[0]["ref"])


def receipt_reference(ref: str, account: str) -> str:
    """The reference a bank entry's receipt carries on its chase: the entry's identity on
    its account, so that the same reference on two accounts names two receipts."""
    return f"{ref}@{account}"


def source_of(statement: Statement, run: str = "") -> dict[str, Any]:
    """Where an entry came from, as each of its events records it (and the run that imports it)."""
    return {
        "account": statement.account,
        "statement": statement.id,
        "format": statement.format,
        "sha256": statement.sha256,
    } | ({"run": run} if run else {})


def bank_event(
    source: dict[str, Any],
    entry: Entry,
    actor: str,
    office: str,
    event_type: str,
    subject: str,
    at: datetime,
    workflow_id: str | None = None,
    key: str | None = None,
    workflow_type: str = "BankStatementImport",
    **payload: Any,
) -> NewEvent:
    """What became of an entry, as the event log records it: under the entry's natural key
    `bank/{account}/{ref}` (or `key`), the statement's run (or `workflow_id`)."""
    from domain.events import NewEvent

    return NewEvent(
        idempotency_key=key or f"bank/{source['account']}/{entry.ref}",
        workflow_id=workflow_id or source["run"],
        workflow_type=workflow_type,
        subject=subject,
        event_type=event_type,
        occurred_at=at,
        actor=actor,
        office=office,
        payload={"entry": entry.model_dump(mode="json")} | {k: v for k, v in source.items() if k != "run"} | payload,
    )


def row_of(ev: NewEvent, already: bool) -> dict[str, Any]:
    """An entry's row (`ccm bank status`) from its event."""
    from domain.event_types import typed

    p = typed(ev)
    entry = p.entry
    return {
        "entry": entry["ref"],
        "value_date": entry["value_date"],
        "amount": entry["amount"],
        "currency": entry["currency"],
        "outcome": ev.event_type.removeprefix("bank.entry_"),
        "chase": getattr(p, "chase", ""),
        "how": getattr(p, "how", ""),
        "reason": getattr(p, "reason", ""),
        "guesses": ", ".join(getattr(p, "guesses", [])),
        "account": entry["account"],  # a file may hold several accounts' statements
        "already": already,
    }


def check_proved_command(update: str, arguments: dict[str, Any], proof: EntryProof, workflow_id: str) -> None:
    """A command the worker sends a chase for a bank entry (`activities.bank`) says what
    the entry says, or a Refusal: a receipt of the entry's amount under its reference, a
    reversal of a receipt of its amount by a reversing debit, sent for the office that
    imported it, to the chase its creditor reference names where it names one. `proof` is
    a `domain.signatures.EntryProof` whose signature was checked."""
    from domain.process import Refusal

    try:
        entry = Entry.model_validate(proof.entry)
    except ValueError:
        raise Refusal("the proof's entry is not a bank entry", code="bad_signature") from None
    names = {entry.ref, own_name(entry)}

    def amount(value: object) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    named = chase_of_reference(entry.creditor_reference) if entry.creditor_reference and entry.credit else None
    if named and workflow_id != chase_id(*named):
        raise Refusal(
            f"bank entry {entry.ref} pays {chase_id(*named)} by its creditor reference, not {workflow_id}",
            code="bad_signature",
        )
    if arguments.get("office") != proof.office:
        raise Refusal(
            f"the entry was imported for {proof.office}, the command speaks for {arguments.get('office')}",
            code="bad_signature",
        )
    if update == "record_receipt":
        fits = (
            entry.credit
            and not entry.reversal
            and amount(arguments.get("amount")) == entry.amount
            and arguments.get("reference") in {receipt_reference(n, entry.account) for n in names}
        )
    elif update == "reverse_receipt":
        fits = (
            entry.reversal
            and not entry.credit
            and amount(arguments.get("amount")) == entry.amount
            and str(arguments.get("reference", "")).endswith(f"@{entry.account}")
            and any(f"entry {n} " in str(arguments.get("reason", "")) for n in names)
        )
    else:
        fits = False
    if not fits:
        raise Refusal(
            f"{update} does not say what bank entry {entry.ref} says: an entry proves only its own receipt or reversal",
            code="bad_signature",
        )


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


def reconcile_balances(
    where: str, opening: Decimal | None, closing: Decimal | None, entries: list[dict[str, Any]]
) -> None:
    """Opening + booked credits - booked debits = closing, where the bank gives both; a
    statement that does not add up is refused, saying by how much."""
    if opening is None or closing is None:
        return
    moved = sum((e["amount"] if e["credit"] else -e["amount"] for e in entries), Decimal("0.00"))
    if opening + moved != closing:
        raise StatementError(
            f"{where} does not reconcile: opening {opening} + entries {moved} = {opening + moved}, "
            f"but the closing balance is {closing} (off by {closing - opening - moved})"
        )


def _camt(data: bytes, sha: str) -> list[Statement]:
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

    def text(node: Element | None, path: str) -> str:
        hit = node.find(path, ns) if node is not None else None
        return (hit.text or "").strip() if hit is not None and hit.text else ""

    def tx_amount(tx: Element) -> Element | None:
        """A transaction's amount: `Amt` (from .03 on), or `AmtDtls` (.02's batches)."""
        for path in ("c:Amt", "c:AmtDtls/c:TxAmt/c:Amt", "c:AmtDtls/c:InstdAmt/c:Amt"):
            if (hit := tx.find(path, ns)) is not None:
                return hit
        return None

    def balance(report: Element, *codes: str) -> Decimal | None:
        for bal in report.findall("c:Bal", ns):
            if text(bal, "c:Tp/c:CdOrPrtry/c:Cd") in codes:
                value = _amount(text(bal, "c:Amt"), f"balance {codes[0]}")
                return -value if text(bal, "c:CdtDbtInd") == "DBIT" else value
        return None

    reports = root.findall("./c:BkToCstmrStmt/c:Stmt", ns) + root.findall("./c:BkToCstmrDbtCdtNtfctn/c:Ntfctn", ns)
    if not reports:
        raise StatementError(f"the {kind} document holds no statement")
    by_account: dict[tuple[str, int], dict[str, Any]] = {}  # each Stmt, in the document's order
    for number, report in enumerate(reports):
        account = text(report, "c:Acct/c:Id/c:IBAN") or text(report, "c:Acct/c:Id/c:Othr/c:Id")
        booked: list[dict[str, Any]] = []
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
            booking = text(ntry, "c:BookgDt/c:Dt") or text(ntry, "c:BookgDt/c:DtTm")
            value = text(ntry, "c:ValDt/c:Dt") or text(ntry, "c:ValDt/c:DtTm") or booking  # no value date: booked
            if not value:
                raise StatementError(f"{where}: neither a value date nor a booking date")
            amount = _amount(amt.text, where)
            reference = real_reference(text(ntry, "c:AcctSvcrRef"))
            details = ntry.findall("c:NtryDtls/c:TxDtls", ns)
            base = {
                "account": account,
                "currency": amt.get("Ccy", ""),
                "credit": credit == "CRDT",
                "reversal": text(ntry, "c:RvslInd").lower() == "true",
                "value_date": _day(value, where),
                "booking_date": _day(booking, where) if booking else None,
            }
            if len(details) <= 1:
                tx = details[0] if details else None
                own = reference or real_reference(text(tx, "c:Refs/c:AcctSvcrRef"))
                booked.append(
                    base | {"where": where, "amount": amount, "bank_reference": own} | _remittance(tx, text, ns)
                )
                continue
            lines: list[dict[str, Any]] = []
            whole = base | {"where": where, "amount": amount, "bank_reference": reference}
            # One line never blocks the file. A proprietary amount (`AmtDtls/PrtryAmt`) is the
            # bank's own and says nothing of the transaction's: it is no amount.
            if missing := sum(tx_amount(tx) is None for tx in details):
                some = "its" if missing == len(details) else f"{missing} of its"
                booked.append(whole | {"unsplit": f"the bank gave {some} {len(details)} transactions no amounts"})
                continue
            for m, tx in enumerate(details, start=1):  # a batch: one line per transaction
                tx_where = f"{where}, transaction {m}"
                tx_amt = tx_amount(tx)
                assert tx_amt is not None
                # A reference the bank repeats in every transaction of a batch (the package
                # id of Swiss BVR/QR credits) names no one transaction: `identify` sees it.
                own = real_reference(text(tx, "c:Refs/c:AcctSvcrRef")) or reference
                lines.append(
                    base
                    | {
                        "where": tx_where,
                        "amount": _amount(tx_amt.text, tx_where),
                        "currency": tx_amt.get("Ccy", base["currency"]),
                        "bank_reference": own,
                    }
                    | _remittance(tx, text, ns)
                )
            total = sum((line["amount"] for line in lines), Decimal("0.00"))
            currencies = {line["currency"] for line in lines}
            if currencies != {base["currency"]}:  # amounts as instructed in another currency: not a split
                said = ", ".join(sorted(currencies))
                booked.append(whole | {"unsplit": f"its transactions are in {said}, the entry in {base['currency']}"})
            elif total != amount:
                booked.append(
                    whole
                    | {
                        "unsplit": f"its {len(lines)} transactions add up to {total} {base['currency']}, "
                        f"not to the entry's {amount} {base['currency']}"
                    }
                )
            else:
                booked.extend(lines)
        opening, closing = balance(report, "OPBD", "PRCD"), balance(report, "CLBD")
        reconcile_balances(f"statement {text(report, 'c:Id') or 'of ' + account}", opening, closing, booked)
        # A camt statement (Stmt) is one statement: two of one account are two, each chained.
        held = by_account.setdefault((account, number), {"first": report, "opening": opening, "entries": []})
        held["closing"] = closing
        held["entries"].extend(booked)
    statements = []
    parts: dict[str, int] = {}
    for (account, _), held in by_account.items():
        parts[account] = parts.get(account, 0) + 1
        first, entries = held["first"], held["entries"]
        dates = [e["booking_date"] or e["value_date"] for e in entries]
        statements.append(
            _statement(
                format=kind,
                id=text(first, "c:Id") or text(root, ".//c:GrpHdr/c:MsgId"),
                account=account,
                sha256=sha,
                entries=_entries(identify(entries)),
                opening=held["opening"],
                closing=held["closing"],
                from_date=_day(text(first, "c:FrToDt/c:FrDtTm"), "FrToDt")
                if text(first, "c:FrToDt/c:FrDtTm")
                else (min(dates) if dates else None),
                to_date=max(dates) if dates else None,
                part=parts[account] if sum(1 for a, _ in by_account if a == account) > 1 else 0,
            )
        )
    return statements


def _remittance(tx: Element | None, text: Callable[[Element | None, str], str], ns: dict[str, str]) -> dict[str, Any]:
    if tx is None:
        return {}
    reference = text(tx, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref").replace(" ", "").upper()
    ustrd = " ".join(t.text.strip() for t in tx.findall("c:RmtInf/c:Ustrd", ns) if t.text)
    debtor = tx.find("c:RltdPties/c:Dbtr", ns)
    name = debtor.find(".//c:Nm", ns) if debtor is not None else None
    return {
        "creditor_reference": reference,
        "remittance": ustrd[:1000],
        "owner_reference": real_reference(text(tx, "c:Refs/c:EndToEndId"))[:100],
        "debtor": (name.text or "").strip()[:200] if name is not None else "",
    }


def _mt940(data: bytes, sha: str) -> list[Statement]:
    """MT940 as banks write it: one file may hold several messages (a statement spread over
    several, `:60M:`/`:62M:`, several days' statements, several accounts' statements), each
    reconciled on its own; one statement per account."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # SWIFT's character set is a subset of both
    messages = [m for m in re.split(r"(?m)^(?=:20:)", text) if m.startswith(":20:")]
    if not messages:
        raise StatementError("not a readable MT940 statement: no :20: statement")
    by_account: dict[str, dict[str, Any]] = {}  # each account's messages, in the file's order
    for number, message in enumerate(messages, start=1):
        opening, closing, statement_id, account, rows = _mt940_message(message, number)
        if closing is None:
            raise StatementError(f"statement {statement_id or number}: no closing balance (:62F: or :62M:)")
        reconcile_balances(f"statement {statement_id or number}", opening, closing, rows)
        held = by_account.setdefault(account, {"opening": opening, "id": statement_id, "entries": []})
        held["closing"] = closing
        held["entries"].extend(rows)
    statements = []
    for account, held in by_account.items():
        entries = held["entries"]
        if not entries:
            continue
        dates = [e["booking_date"] for e in entries]
        statements.append(
            _statement(
                format="mt940",
                id=held["id"],
                account=account,
                sha256=sha,
                entries=_entries(identify(entries)),
                opening=held["opening"],
                closing=held["closing"],
                from_date=min(dates),
                to_date=max(dates),
            )
        )
    if not statements:
        raise StatementError("the MT940 statement holds no transaction")
    return statements


# Where an MT940 entry's text is, as the mt940 library gives it: free text, or the fields of a
# German structured `:86:` (`?20`–`?29` purpose, `EREF+`, `?00` posting text, `?60`–`?63`).
MT940_DETAILS = (
    "transaction_details",
    "extra_details",
    "purpose",
    "additional_purpose",
    "end_to_end_reference",
    "posting_text",
)


def _mt940_message(text: str, number: int) -> tuple[Any, ...]:
    """One message: (opening, closing, :20:, account, entries)."""
    import logging

    import mt940

    quiet = logging.getLogger("mt940")
    level, quiet.level = quiet.level, logging.WARNING  # the library logs every tag it reads
    try:
        transactions = mt940.models.Transactions()
        transactions.parse(text)
    except Exception as e:  # the library raises bare exceptions of many kinds on bad input
        raise StatementError(f"not a readable MT940 statement: {type(e).__name__}: {e}") from None
    finally:
        quiet.level = level
    head = transactions.data
    account = str(head.get("account_identification", "")).strip()
    statement_id = str(head.get("transaction_reference", "")).strip()
    entries = []
    for n, t in enumerate(transactions.transactions, start=1):
        d, where = t.data, f"transaction {n} of message {number}"
        status = d.get("status", "")
        if "amount" not in d or status not in ("C", "D", "RC", "RD"):
            raise StatementError(f"{where}: no amount or credit/debit mark")
        amount = d["amount"]
        # A German SEPA `:86:` (`166?00GUTSCHRIFT?20EREF+…?21SVWZ+…?32name`) is taken apart by
        # the library into its fields, and its text is no longer under transaction_details:
        # the remittance is read from them (SVWZ purpose, EREF, posting text).
        details = " ".join(str(d.get(k) or "") for k in MT940_DETAILS).strip()
        found = references_in(details.replace("\n", " "))
        value, booked = d["date"], d.get("entry_date") or d["date"]  # the library's own date type
        entries.append(
            {
                "where": where,
                "account": account,
                "amount": _amount(str(abs(amount.amount)), where),
                "currency": amount.currency,
                "credit": status in ("C", "RD"),
                "reversal": status in ("RC", "RD"),
                "value_date": date(value.year, value.month, value.day),
                "booking_date": date(booked.year, booked.month, booked.day),
                # The bank's own reference (after //) is unique where it is not a placeholder;
                # the account owner's (subfield 7) is kept, but never taken as unique.
                "bank_reference": real_reference(d.get("bank_reference")),
                "owner_reference": real_reference(d.get("customer_reference"))[:100],
                "creditor_reference": found[0] if found else "",
                "remittance": " ".join(details.split())[:1000],
                "debtor": " ".join(str(d.get("applicant_name") or "").split())[:200],
            }
        )

    def signed(key: str) -> Decimal | None:
        bal = head.get(f"final_{key}_balance") or head.get(f"intermediate_{key}_balance")
        return Decimal(str(bal.amount.amount)).quantize(Decimal("0.01")) if bal is not None else None

    return signed("opening"), signed("closing"), statement_id, account, entries


def _entries(rows: list[dict[str, Any]]) -> list[Entry]:
    """The entries, or the statement refused naming the entry and the field that does not fit."""
    return [_model(Entry, row.pop("where"), row) for row in rows]


def _statement(**fields: Any) -> Statement:
    """The statement, its account and currencies checked: an account written as an IBAN must
    be one (a broken check digit is a file to refuse, not an account to invent), and every
    currency an ISO 4217 code."""
    import pycountry

    account = fields.get("account", "")
    if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", account):
        try:
            validate_iban(account)
        except ValueError as e:
            raise StatementError(f"the account {account} is not a valid IBAN ({str(e).split(': ', 1)[-1]})") from None
    for entry in fields.get("entries", []):
        if entry.currency and pycountry.currencies.get(alpha_3=entry.currency) is None:
            raise StatementError(f"entry {entry.ref}: {entry.currency} is not a currency (ISO 4217)")
    return _model(Statement, "the statement", fields)


def _model(model: type[M], where: str, fields: dict[str, Any]) -> M:
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as e:
        err = e.errors()[0]
        raise StatementError(f"{where}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None


def statement_chain(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An account's statements in order of their days, each saying whether its opening
    balance is the closing balance of the one before (`continues`), or where one is
    missing (`gap: …`); those without balances (camt.054 notifications) are left out."""
    with_balances = sorted(
        (s for s in statements if s.get("opening") is not None and s.get("closing") is not None),
        key=lambda s: (s.get("from_date") or "", s.get("to_date") or "", s.get("id", "")),
    )
    rows, previous = [], None
    for s in with_balances:
        if previous is None:
            chain = "first"
        elif Decimal(s["opening"]) == Decimal(previous["closing"]):
            chain = "continues"
        else:
            chain = (
                f"gap: {previous['id']} closed at {previous['closing']}, {s['id']} opens at {s['opening']} "
                "(a statement missing?)"
            )
        rows.append(
            {
                "account": s["account"],
                "statement": s["id"],
                "from": s.get("from_date"),
                "to": s.get("to_date"),
                "opening": s["opening"],
                "closing": s["closing"],
                "chain": chain,
            }
        )
        previous = s
    return rows


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
    if entry.unsplit:
        return Match(
            reason=f"a batch kept whole ({entry.unsplit}): settle it by hand (ccm bank match)",
            guesses=_candidates(entry, chases, guessed),
        )
    if entry.currency != "CHF":
        return Match(
            reason=f"in {entry.currency or 'no currency'}: only CHF entries are matched automatically",
            guesses=_candidates(entry, chases, guessed),
        )
    for ref in [entry.creditor_reference, *references_in(entry.text)]:
        target = chase_of_reference(ref) if ref else None
        if target:
            wid = chase_id(*target)
            if wid in chases:
                return Match(workflow_id=wid, how="creditor_reference")
            return Match(
                reason=f"creditor reference {format_reference(ref)} names {wid}, which does not exist",
                guesses=_candidates(entry, chases, guessed),
            )
    years = sorted(
        {int(y) for y in re.findall(r"\b(20\d{2})\b", entry.text)} or {entry.value_date.year, entry.value_date.year + 1}
    )
    by_text = [w for s in named for y in years if (w := chase_id(y, s)) in chases and chases[w].open]
    if len(by_text) == 1:
        return Match(workflow_id=by_text[0], how="remittance")
    reported = [c.workflow_id for c in chases.values() if c.open and c.reported_amount == entry.amount]
    if len(reported) == 1 and not by_text:
        return Match(workflow_id=reported[0], how="reported_payment")
    if len(by_text) > 1:
        return Match(reason=f"the text names {len(by_text)} open chases", guesses=by_text[:5])
    return Match(
        reason="no reference, no State named, no reported payment of that amount",
        guesses=_candidates(entry, chases, guessed),
    )


def _candidates(entry: Entry, chases: dict[str, ChaseView], named: list[str]) -> list[str]:
    """Best guesses for a person: chases of the States named, then reported payments and
    outstanding balances of exactly that amount."""
    guesses = [c.workflow_id for c in chases.values() if c.state in named and c.open]
    guesses += [c.workflow_id for c in chases.values() if c.open and entry.amount in (c.reported_amount, c.outstanding)]
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
        given += [
            f"{rest} {head}".removeprefix("The ").removeprefix("the ")
            for head, _, rest in (n.partition(", ") for n in given if ", " in n)
        ]
        for other in set(given):
            if other and (theirs := _words(other)) != mine and mine in theirs:
                found.add(theirs)
    return tuple(sorted(found))
