"""Bank statements as banks write them, made by the tests: ISO 20022 camt.053.001.08 and
camt.054.001.08 (which validate against their XSD) and SWIFT MT940."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

IBAN = "CH9300762011623852957"  # the standard example of a Swiss IBAN


@dataclass
class Line:
    ref: str
    amount: Decimal | str
    day: date
    currency: str = "CHF"
    credit: bool = True
    reversal: bool = False
    reference: str = ""  # structured creditor reference (SCOR)
    text: str = ""  # unstructured remittance
    debtor: str = ""


def _entry(line: Line) -> str:
    mark = "CRDT" if line.credit else "DBIT"
    value = Decimal(line.amount)
    amount = f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)  # as given, if finer
    parties = f"<RltdPties><Dbtr><Pty><Nm>{escape(line.debtor)}</Nm></Pty></Dbtr></RltdPties>" if line.debtor else ""
    remittance = ""
    if line.text or line.reference:
        remittance = (
            "<RmtInf>"
            + (f"<Ustrd>{escape(line.text)}</Ustrd>" if line.text else "")
            + (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                f"<Ref>{line.reference}</Ref></CdtrRefInf></Strd>"
                if line.reference
                else ""
            )
            + "</RmtInf>"
        )
    return (
        f'<Ntry><Amt Ccy="{line.currency}">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd>'
        + ("<RvslInd>true</RvslInd>" if line.reversal else "")
        + f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{line.day}</Dt></BookgDt><ValDt><Dt>{line.day}</Dt></ValDt>"
        f"<AcctSvcrRef>{line.ref}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
        f'<Amt Ccy="{line.currency}">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd>'
        f"{parties}{remittance}</TxDtls></NtryDtls></Ntry>"
    )


def moved(lines: list[Line]) -> Decimal:
    """What the lines move on the account: credits in, debits out (a booked balance's change)."""
    return sum((Decimal(line.amount) if line.credit else -Decimal(line.amount) for line in lines), Decimal("0.00"))


def _balance(code: str, value: Decimal, day: date) -> str:
    mark = "DBIT" if value < 0 else "CRDT"
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">{abs(value):.2f}</Amt>'
        f"<CdtDbtInd>{mark}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def camt053(
    lines: list[Line],
    statement_id: str = "STMT-1",
    day: date | None = None,
    opening: Decimal = Decimal("0.00"),
    closing: Decimal | None = None,
    account: str = IBAN,
) -> bytes:
    """A statement whose balances reconcile (opening + what the lines move), unless
    `closing` says otherwise."""
    day = day or max(line.day for line in lines)
    closing = opening + moved(lines) if closing is None else closing
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>CHF</Ccy></Acct>"
        + _balance("OPBD", opening, day)
        + _balance("CLBD", closing, day)
        + "".join(_entry(line) for line in lines)
        + "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode("utf-8")


def camt054(lines: list[Line], notification_id: str = "NTF-1") -> bytes:
    day = max(line.day for line in lines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>MSG-{notification_id}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>{notification_id}</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>"
        + "".join(_entry(line) for line in lines)
        + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n"
    ).encode("utf-8")


def mt940(
    lines: list[Line], statement_id: str = "STMT940", opening: Decimal = Decimal("0.00"), closing: Decimal | None = None
) -> bytes:
    """As a Swiss bank's MT940 export writes it: CRLF, amounts with a comma, :86: text; the
    balances reconcile unless `closing` says otherwise."""

    def amount(value) -> str:
        return f"{abs(Decimal(value)):.2f}".replace(".", ",")

    def balance(tag: str, value: Decimal) -> str:
        return f"{tag}{'D' if value < 0 else 'C'}{day:%y%m%d}CHF{amount(value)}"

    day = max(line.day for line in lines)
    closing = opening + moved(lines) if closing is None else closing
    rows = [f":20:{statement_id}", f":25:{IBAN}", ":28C:1/1", balance(":60F:", opening)]
    for line in lines:
        # RC: the reversal of a credit (money going back out); RD: of a debit.
        mark = ("RD" if line.reversal else "C") if line.credit else ("RC" if line.reversal else "D")
        rows.append(f":61:{line.day:%y%m%d}{line.day:%m%d}{mark}{amount(line.amount)}NTRFNONREF//{line.ref}")
        details = " ".join(t for t in (line.text, line.reference, line.debtor) if t) or "NONE"
        rows.append(f":86:{details[:65]}")
        for start in range(65, len(details), 65):
            rows.append(details[start : start + 65])
    rows.append(balance(":62F:", closing))
    return ("\r\n".join(rows) + "\r\n-").encode("latin-1")


def xsd(kind: str) -> str:
    """The ISO 20022 schema of `kind` (`camt.053.001.08`), as the camt053 package ships it."""
    from importlib.metadata import distribution

    return str(distribution("camt053").locate_file(f"camt053/xsd/{kind}.xsd"))
