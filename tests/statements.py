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
        remittance = ("<RmtInf>" + (f"<Ustrd>{escape(line.text)}</Ustrd>" if line.text else "")
                      + ("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                         f"<Ref>{line.reference}</Ref></CdtrRefInf></Strd>" if line.reference else "")
                      + "</RmtInf>")
    return (f"<Ntry><Amt Ccy=\"{line.currency}\">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd>"
            + ("<RvslInd>true</RvslInd>" if line.reversal else "")
            + f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{line.day}</Dt></BookgDt><ValDt><Dt>{line.day}</Dt></ValDt>"
            f"<AcctSvcrRef>{line.ref}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
            f"<Amt Ccy=\"{line.currency}\">{amount}</Amt><CdtDbtInd>{mark}</CdtDbtInd>"
            f"{parties}{remittance}</TxDtls></NtryDtls></Ntry>")


def camt053(lines: list[Line], statement_id: str = "STMT-1", day: date | None = None) -> bytes:
    day = day or max(line.day for line in lines)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>"
            f"<GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>CHF</Ccy></Acct>"
            "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"CHF\">0.00</Amt>"
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
            + "".join(_entry(line) for line in lines)
            + "</Stmt></BkToCstmrStmt></Document>\n").encode("utf-8")


def camt054(lines: list[Line], notification_id: str = "NTF-1") -> bytes:
    day = max(line.day for line in lines)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"><BkToCstmrDbtCdtNtfctn>"
            f"<GrpHdr><MsgId>MSG-{notification_id}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>"
            f"<Ntfctn><Id>{notification_id}</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>"
            + "".join(_entry(line) for line in lines)
            + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n").encode("utf-8")


def mt940(lines: list[Line], statement_id: str = "STMT940") -> bytes:
    """As a Swiss bank's MT940 export writes it: CRLF, amounts with a comma, :86: text."""
    def amount(value) -> str:
        return f"{Decimal(value):.2f}".replace(".", ",")

    day = max(line.day for line in lines)
    rows = [f":20:{statement_id}", f":25:{IBAN}", ":28C:1/1", f":60F:C{day:%y%m%d}CHF0,00"]
    for line in lines:
        # RC: the reversal of a credit (money going back out); RD: of a debit.
        mark = ("RD" if line.reversal else "C") if line.credit else ("RC" if line.reversal else "D")
        rows.append(f":61:{line.day:%y%m%d}{line.day:%m%d}{mark}{amount(line.amount)}NTRFNONREF//{line.ref}")
        details = " ".join(t for t in (line.text, line.reference, line.debtor) if t) or "NONE"
        rows.append(f":86:{details[:65]}")
        for start in range(65, len(details), 65):
            rows.append(details[start:start + 65])
    rows.append(f":62F:C{day:%y%m%d}CHF0,00")
    return ("\r\n".join(rows) + "\r\n-").encode("latin-1")


def xsd(kind: str) -> str:
    """The ISO 20022 schema of `kind` (`camt.053.001.08`), as the camt053 package ships it."""
    from importlib.metadata import distribution

    return str(distribution("camt053").locate_file(f"camt053/xsd/{kind}.xsd"))
